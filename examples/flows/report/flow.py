"""An example flow: writes a short report, and says which Python and which Prefect run it."""
import os
import sys

import prefect
from prefect import flow, get_run_logger


@flow
def report(title: str = "daily report", recipients: list[str] | None = None) -> str:
    logger = get_run_logger()
    logger.info("interpreter %s, prefect %s from %s", sys.executable, prefect.__version__, os.path.dirname(os.path.realpath(prefect.__file__)))
    text = f"{title} for {', '.join(recipients or ['nobody'])}"
    logger.info(text)
    return text
