"""An example flow: pretends to load rows, and says which Python and which Prefect run it."""
import os
import sys

import prefect
from prefect import flow, get_run_logger


@flow
def etl(rows: int = 100, source: str = "warehouse") -> int:
    logger = get_run_logger()
    # Which environment runs this flow: the interpreter and the Prefect package it imported.
    logger.info("interpreter %s, prefect %s from %s", sys.executable, prefect.__version__, os.path.dirname(os.path.realpath(prefect.__file__)))
    logger.info("loading %d rows from %s", rows, source)
    return rows
