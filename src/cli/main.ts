/**
 * The composition root: parses the command line, runs one command, and is the single error
 * boundary. Known errors (ReconcileError and its kinds) print one clean message and their exit
 * code; anything else is a bug: the stack and a request for a report. Commands are imported when run, so `--help` loads nothing else.
 */
import { Command, CommanderError } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { createLogger, type Logger } from "../log.js";
import { ExitCode, ReconcileError, SpecError, SpecPathError, UsageError } from "../errors.js";
import { print, printDiagnostics, type CliIO } from "./io.js";

const ISSUES_URL = "https://github.com/prefect-reconcile/reconcile/issues";
const DEFAULT_FILE = "cluster.yaml";

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;
}

interface GlobalOptions {
  file?: string;
  secretsFile?: string;
  logFile?: string;
}

/** Builds the program; `setExit` receives each command's exit code, `setLog` the run's logger. */
function buildProgram(io: CliIO, setExit: (code: number) => void, setLog: (log: Logger) => void): Command {
  let log: Logger = createLogger();
  const program = new Command("reconcile")
    .description("Keep a self-hosted Prefect cluster on air-gapped nodes converged to cluster.yaml.")
    .version(VERSION, "-V, --version")
    .option("-f, --file <path>", "cluster spec", DEFAULT_FILE)
    .option("--secrets-file <path>", "secrets file (NAME=value lines, mode 0600); overrides secrets.file")
    .option("--log-file <path>", "write JSON logs of every step here")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .addHelpText(
      "after",
      `${examples(["reconcile init", "reconcile validate", "reconcile pin", "reconcile fetch", "reconcile trust", "reconcile plan --out plan.json", "reconcile drift --format markdown --out drift.md", "reconcile watch --interval 5m", "reconcile facts worker-a", "reconcile status", "reconcile run etl/daily --wait", "reconcile ui"])}
Exit codes: 0 ok, 1 invalid input or failure, 2 changes pending (--check, --detailed-exitcode),
drift found (drift) or run --wait timed out, 64 wrong usage, 70 internal error (a bug), 130 interrupted.`,
    );
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program.hook("preAction", (_program, command) => {
    const logFile = globals().logFile;
    log = createLogger(logFile === undefined ? {} : { file: logFile }).child({ command: command.name() });
    setLog(log);
  });

  program
    .command("validate")
    .summary("check cluster.yaml: schema, references, schedules, secrets")
    .description(
      "Check cluster.yaml against the schema and the semantic rules; print every problem at once as " +
        "FILE:LINE:COL path: message. Missing local artifacts and secrets are warnings here (use --strict " +
        "to make them errors, as plan and apply do).",
    )
    .argument("[file]", "cluster spec (same as -f)")
    .option("--json", "machine-readable report on stdout")
    .option("--strict", "missing artifacts, flow folders and secrets are errors")
    .addHelpText("after", examples(["reconcile validate", "reconcile validate cluster.yaml.example", "reconcile validate -f prod.yaml --json | jq .errors"]))
    .action(async (file: string | undefined, opts: { json?: boolean; strict?: boolean }) => {
      const g = globals();
      const { validateCommand } = await import("./commands/validate.js");
      setExit(
        await validateCommand(
          {
            file: file ?? g.file ?? DEFAULT_FILE,
            json: opts.json === true,
            strict: opts.strict === true,
            ...(g.secretsFile === undefined ? {} : { secretsFile: g.secretsFile }),
          },
          io,
          log,
        ),
      );
    });

  program
    .command("pin")
    .summary("write the sha256 of local artifacts into cluster.yaml")
    .description(
      "Stream each local artifact through sha256 and write the digest into cluster.yaml in place, " +
        "keeping comments and formatting. For a deb set, SHA256SUMS is (re)written from its .deb files " +
        "and the artifact is pinned to the manifest. Nothing is written unless every artifact pins.",
    )
    .argument("[artifacts...]", "only these artifacts (default: all)")
    .option("--check", "change nothing; exit 2 if a digest would change")
    .addHelpText("after", examples(["reconcile pin", "reconcile pin prefect-env etl-env", "reconcile pin --check   # in CI: fails when a pin is stale"]))
    .action(async (names: string[], opts: { check?: boolean }) => {
      const { pinCommand } = await import("./commands/pin.js");
      setExit(await pinCommand({ file: globals().file ?? DEFAULT_FILE, names, check: opts.check === true }, io, log));
    });

  const specArgs = () => {
    const g = globals();
    return { file: g.file ?? DEFAULT_FILE, ...(g.secretsFile === undefined ? {} : { secretsFile: g.secretsFile }) };
  };

  program
    .command("plan")
    .summary("gather facts from every node and show what apply would change")
    .description(
      "Gather facts from every node over SSH (one round trip each, all nodes at once), compare them with " +
        "cluster.yaml and print what apply would do: + create, ~ update, - destroy, -/+ replace, with a diff " +
        "for changed files (secrets masked) and the bytes to send. Changes nothing. An unreachable node is " +
        "shown with the reason and does not hide the others (exit 1).",
    )
    .option("--out <file>", "save the plan (with the spec digest and fact fingerprints) for `reconcile apply FILE`")
    .option("--json", "print the plan as JSON (the same document --out saves)")
    .option("--detailed-exitcode", "exit 0 when nothing would change, 2 when something would, 1 on error")
    .option("--prune", "plan deleting resources that are no longer declared")
    .option("-v, --verbose", "list unchanged resources too, each with its reason")
    .option("--deep", "re-hash every installed environment and flow folder on the nodes: a corrupt one is planned to be unpacked again (apply such a saved plan with --deep too)")
    .addHelpText("after", examples(["reconcile plan", "reconcile plan --out plan.json", "reconcile plan --detailed-exitcode   # in CI: 2 means drift or pending changes", "reconcile plan --json | jq .summary"]))
    .action(async (opts: { out?: string; json?: boolean; detailedExitcode?: boolean; prune?: boolean; verbose?: boolean; deep?: boolean }) => {
      const { planCommand } = await import("./commands/plan.js");
      setExit(
        await planCommand(
          { ...specArgs(), ...(opts.out === undefined ? {} : { out: opts.out }), json: opts.json === true, detailedExitcode: opts.detailedExitcode === true, prune: opts.prune === true, verbose: opts.verbose === true, deep: opts.deep === true },
          io,
          log,
        ),
      );
    });

  program
    .command("drift")
    .summary("report what differs between the nodes, the Prefect objects and cluster.yaml")
    .description(
      "Gather facts from every node and the Prefect objects through the API, and report every difference " +
        "from cluster.yaml per resource and field: a changed file (masked diff), a stopped or disabled unit, a " +
        "link pointing elsewhere, a schedule or paused queue edited in the UI, objects made outside reconcile. " +
        "drift.ignore and drift.policies in cluster.yaml silence or downgrade expected differences. Changes " +
        "nothing. Exit 0 in sync, 2 drift found, 1 when a node or the Prefect API could not be checked (the " +
        "rest is still reported).",
    )
    .option("--format <format>", "text, json (versioned, documented in the README) or markdown (for an issue or pull request)", "text")
    .option("--out <file>", "write the report to this file (mode 0600) and print only its summary line")
    .option("--deep", "also re-hash every installed environment and flow folder on the nodes against its recorded content digest (slower; finds corrupt or edited environments)")
    .addHelpText(
      "after",
      `${examples([
        "reconcile drift",
        "reconcile drift --format json | jq '.drift[] | {node, address, summary}'",
        "reconcile drift --format markdown --out drift.md   # then paste drift.md into an issue",
        "reconcile drift --deep --format json --out /var/lib/reconcile-reports/drift.json   # from cron",
      ])}
Exit codes: 0 in sync, 2 drift found, 1 a node or the Prefect API could not be checked (the rest is
still reported), 64 wrong usage.`,
    )
    .action(async (opts: { format: string; out?: string; deep?: boolean }) => {
      const { driftCommand, parseDriftFormat } = await import("./commands/drift.js");
      const format = parseDriftFormat(opts.format);
      setExit(await driftCommand({ ...specArgs(), format, ...(opts.out === undefined ? {} : { out: opts.out }), deep: opts.deep === true }, io, log));
    });

  program
    .command("apply")
    .summary("converge the nodes to cluster.yaml (or apply a saved plan exactly)")
    .description(
      "Take the cluster lock, gather facts, plan, show the plan and ask for 'yes'; then stage, transfer, " +
        "install, configure and verify each node (the server node first, workers in parallel with at most " +
        "half of a pool's workers down at once). A node whose verify fails is rolled back to its previous " +
        "generation. With a plan file, apply exactly that plan, refusing it if anything it was based on changed.",
    )
    .argument("[plan]", "a plan saved with `reconcile plan --out`")
    .option("-y, --yes", "apply without asking (needed without a terminal)")
    .option("--prune", "also delete what the spec no longer declares")
    .option("--concurrency <n>", "nodes of one wave converged at once", "4")
    .option("--verify-settle <seconds>", "how long units must stay active during verify", "3")
    .option("--deep", "re-hash every installed environment and flow folder on the nodes and unpack a corrupt one again")
    .addHelpText("after", examples(["reconcile apply", "reconcile apply --yes", "reconcile apply --yes --deep   # repair what drift --deep found", "reconcile plan --out plan.json && reconcile apply plan.json"]))
    .action(async (planFile: string | undefined, opts: { yes?: boolean; prune?: boolean; concurrency: string; verifySettle: string; deep?: boolean }) => {
      const concurrency = Number(opts.concurrency);
      const settle = Number(opts.verifySettle);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number of at least 1, not '${opts.concurrency}'`);
      if (!Number.isFinite(settle) || settle < 0 || settle > 600) throw new UsageError(`--verify-settle must be between 0 and 600 seconds, not '${opts.verifySettle}'`);
      if (planFile !== undefined && opts.prune === true) throw new UsageError("--prune does not go with a plan file: the plan already says what it deletes", "make the plan with `reconcile plan --prune --out FILE`");
      // Without a terminal nobody can say yes: refuse before taking the lock and reaching the nodes.
      if (planFile === undefined && opts.yes !== true && io.stdin?.isTTY !== true) {
        throw new UsageError("apply needs a yes: run it on a terminal, or pass --yes (or apply a reviewed plan file)");
      }
      const { applyCommand } = await import("./commands/apply.js");
      setExit(
        await applyCommand(
          { ...specArgs(), ...(planFile === undefined ? {} : { planFile }), yes: opts.yes === true, prune: opts.prune === true, concurrency, settleSeconds: settle, deep: opts.deep === true },
          io,
          log,
        ),
      );
    });

  program
    .command("watch")
    .summary("converge on every save of cluster.yaml (or every commit with --git); report or heal drift")
    .description(
      "Watch cluster.yaml, the secrets file, local artifacts and flow folders; after a burst of saves " +
        "(debounced), validate, plan and apply. An invalid file is never applied: its errors are printed and " +
        "the last good spec stays live. Runs never overlap (a change during a run is queued; only the newest " +
        "state runs next). A failed apply is retried with backoff (30 s doubling to 10 min), not on every save. " +
        "With --interval, look for drift while idle and report it, or converge it with --self-heal (policy fix " +
        "only). With --git, poll a repository instead of files and converge the commit, never one that does not " +
        "validate. On a terminal, a live view; otherwise one JSON event per line. Ctrl-C lets the step under way " +
        "finish or cancel, releases the lock and exits 130.",
    )
    .option("--plan-only", "show the plan of each change; apply nothing")
    .option("--prune", "also delete what the spec no longer declares (never all of a kind at once: the empty-state guard)")
    .option("--interval <duration>", "look for drift this often while idle (5m, 1h)")
    .option("--self-heal", "with --interval: converge the drift found (resources with policy fix)")
    .option("--debounce <duration>", "quiet time after the last file event before a run", "500ms")
    .option("--git <url>", "pull mode: converge the spec in this git repository (fetched with the git CLI)")
    .option("--ref <ref>", "with --git: the branch or tag (default main)")
    .option("--path <path>", "with --git: the spec's path in the repository (default cluster.yaml)")
    .option("--poll <duration>", "with --git: fetch this often (default 60s)")
    .option("--metrics <host:port>", "serve Prometheus metrics at http://HOST:PORT/metrics")
    .option("--on-drift <command>", "run this command with the drift report (JSON) on stdin when new drift is found")
    .option("--on-failure <command>", "run this command with {revision, error, nodes} (JSON) on stdin when an apply fails")
    .option("--json", "one JSON event per line, also on a terminal")
    .option("--concurrency <n>", "nodes of one wave converged at once", "4")
    .option("--verify-settle <seconds>", "how long units must stay active during verify", "3")
    .addHelpText(
      "after",
      examples([
        "reconcile watch",
        "reconcile watch --plan-only",
        "reconcile watch --interval 5m --self-heal",
        "reconcile watch --git /srv/git/cluster.git --ref main --path cluster.yaml --poll 30s --metrics 127.0.0.1:9464",
        "reconcile watch --interval 10m --on-drift 'curl -s -T - http://chat.internal/hook' --json",
      ]),
    )
    .action(
      async (opts: {
        planOnly?: boolean;
        prune?: boolean;
        interval?: string;
        selfHeal?: boolean;
        debounce: string;
        git?: string;
        ref?: string;
        path?: string;
        poll?: string;
        metrics?: string;
        onDrift?: string;
        onFailure?: string;
        json?: boolean;
        concurrency: string;
        verifySettle: string;
      }) => {
        const concurrency = Number(opts.concurrency);
        const settle = Number(opts.verifySettle);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number of at least 1, not '${opts.concurrency}'`);
        if (!Number.isFinite(settle) || settle < 0 || settle > 600) throw new UsageError(`--verify-settle must be between 0 and 600 seconds, not '${opts.verifySettle}'`);
        if (opts.selfHeal === true && opts.interval === undefined) throw new UsageError("--self-heal needs --interval: drift is looked for at each interval", "reconcile watch --interval 5m --self-heal");
        if (opts.selfHeal === true && opts.planOnly === true) throw new UsageError("--self-heal applies and --plan-only applies nothing: pick one");
        if (opts.git === undefined) {
          const stray = (["ref", "path", "poll"] as const).filter((k) => opts[k] !== undefined);
          if (stray.length > 0) throw new UsageError(`${stray.map((k) => `--${k}`).join(", ")} go${stray.length === 1 ? "es" : ""} with --git`);
        }
        if (opts.metrics !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/.test(opts.metrics)) throw new UsageError(`--metrics ${opts.metrics}: not HOST:PORT`, "e.g. --metrics 127.0.0.1:9464");
        const { parseDurationOption } = await import("./watch-inputs.js");
        const durations = {
          debounceMs: parseDurationOption("--debounce", opts.debounce, 0),
          ...(opts.interval === undefined ? {} : { intervalMs: parseDurationOption("--interval", opts.interval, 1000) }),
          ...(opts.git === undefined ? {} : { pollMs: parseDurationOption("--poll", opts.poll ?? "60s", 1000) }),
        };
        const { watchCommand } = await import("./commands/watch.js");
        setExit(
          await watchCommand(
            {
              ...specArgs(),
              planOnly: opts.planOnly === true,
              prune: opts.prune === true,
              selfHeal: opts.selfHeal === true,
              json: opts.json === true,
              concurrency,
              settleSeconds: settle,
              debounceMs: durations.debounceMs,
              ...(durations.intervalMs === undefined ? {} : { intervalMs: durations.intervalMs }),
              ...(opts.git === undefined || durations.pollMs === undefined ? {} : { git: { url: opts.git, ref: opts.ref ?? "main", path: opts.path ?? DEFAULT_FILE, pollMs: durations.pollMs } }),
              ...(opts.metrics === undefined ? {} : { metrics: opts.metrics }),
              ...(opts.onDrift === undefined ? {} : { onDrift: opts.onDrift }),
              ...(opts.onFailure === undefined ? {} : { onFailure: opts.onFailure }),
            },
            io,
            log,
          ),
        );
      },
    );

  program
    .command("run")
    .summary("start a flow run of a deployment (and follow it with --wait)")
    .description(
      "Create a flow run of a deployment through the cluster's Prefect API (over the server node's SSH " +
        "connection) and print its name and id. With --wait, follow it until it ends: its states, its log " +
        "lines and the worker that ran it; exit 0 when it completed, 1 when it failed, crashed or was " +
        "cancelled, 2 when --timeout passed first. Ctrl-C stops following; the run itself goes on.",
    )
    .argument("<flow/deployment>", "the deployment, as FLOW/DEPLOYMENT")
    .option("--param <name=value>", "a parameter (repeatable); the value is JSON when it parses as JSON, else a string", (value: string, all: string[]) => [...all, value], [] as string[])
    .option("--wait", "follow the run until it ends")
    .option("--timeout <duration>", "with --wait: stop waiting after this long (90s, 10m, 2h)", undefined)
    .addHelpText(
      "after",
      examples(["reconcile run etl/daily", "reconcile run etl/daily --param day=3 --param regions='[\"eu\",\"us\"]' --wait", "reconcile run etl/daily --wait --timeout 10m   # exit 2 if it has not ended by then"]),
    )
    .action(async (target: string, opts: { param: string[]; wait?: boolean; timeout?: string }) => {
      const { runCommand } = await import("./commands/run.js");
      setExit(await runCommand({ ...specArgs(), target, params: opts.param, wait: opts.wait === true, ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }) }, io, log));
    });

  program
    .command("unlock")
    .summary("remove the apply lock, whoever holds it")
    .description("Remove the apply lease on the server node. Use it only when the apply that held it is certainly gone.")
    .addHelpText("after", examples(["reconcile unlock"]))
    .action(async () => {
      const { unlockCommand } = await import("./commands/unlock.js");
      setExit(await unlockCommand(specArgs(), io, log));
    });

  program
    .command("trust")
    .summary("record the nodes' SSH host keys after showing their fingerprints")
    .description(
      "Connect to each node (no login), print its host key's SHA256 fingerprint, ask, and record the keys in " +
        "the cluster's known_hosts file (ssh.knownHostsFile). A key that differs from the recorded one is kept " +
        "out unless its node is named with --replace.",
    )
    .argument("[nodes...]", "only these nodes (default: all)")
    .option("-y, --yes", "record without asking (check the fingerprints another way first)")
    .option("--replace <node...>", "accept a changed host key for these nodes")
    .addHelpText("after", examples(["reconcile trust", "reconcile trust --yes", "reconcile trust worker-a --replace worker-a   # after reinstalling worker-a"]))
    .action(async (nodes: string[], opts: { yes?: boolean; replace?: string[] }) => {
      const { trustCommand } = await import("./commands/trust.js");
      setExit(await trustCommand({ ...specArgs(), nodes, yes: opts.yes === true, replace: opts.replace ?? [] }, io, log));
    });

  program
    .command("facts")
    .summary("print what reconcile sees on each node")
    .description("Gather and print the facts a plan is based on: OS, disk, store, links, managed files, units, packages, state, lock.")
    .argument("[nodes...]", "only these nodes (default: all)")
    .option("--json", "machine-readable, by node name")
    .option("--save-status <file>", "instead, save each node's release, dpkg architecture and dpkg status for `reconcile fetch --from-facts`")
    .addHelpText("after", examples(["reconcile facts", "reconcile facts worker-a --json | jq '.\"worker-a\".facts.units'", "reconcile facts --save-status targets.json   # then: reconcile fetch --from-facts targets.json"]))
    .action(async (nodes: string[], opts: { json?: boolean; saveStatus?: string }) => {
      if (opts.json === true && opts.saveStatus !== undefined) throw new UsageError("--json and --save-status do not go together: --save-status writes a file for `reconcile fetch`");
      const { factsCommand } = await import("./commands/facts.js");
      setExit(await factsCommand({ ...specArgs(), nodes, json: opts.json === true, ...(opts.saveStatus === undefined ? {} : { saveStatus: opts.saveStatus }) }, io, log));
    });

  program
    .command("status")
    .summary("one screen for the whole cluster: nodes, services, versions, Prefect, pools, drift")
    .description(
      "Gather once (every node over SSH, the Prefect objects through the server node's connection) and show " +
        "each node's roles, services and their state, env and flow versions (artifact and short digest), the " +
        "generation and when and from which spec digest or git commit it was applied; the Prefect server's version " +
        "and health; each pool with its queues, workers ONLINE or not, and late runs; drift, one line per resource. " +
        "Changes nothing. Exit 0 when everything could be read (drift does not fail it), 1 when a node or the API could not.",
    )
    .option("--json", "print the status as JSON (versioned by its `format` field)")
    .addHelpText("after", examples(["reconcile status", "reconcile status --json | jq '.pools[] | {name, online, total, lateRuns}'", "reconcile status --json | jq -r '.drift.items[] | \"\\(.node) \\(.address)\"'"]))
    .action(async (opts: { json?: boolean }) => {
      const { statusCommand } = await import("./commands/status.js");
      setExit(await statusCommand({ ...specArgs(), json: opts.json === true }, io, log));
    });

  program
    .command("ui")
    .summary("open the Prefect UI through the server node's SSH connection")
    .description(
      "Listen on 127.0.0.1:PORT on this machine and pipe each connection through the server node's SSH " +
        "connection (host keys checked as for every command): to the proxy when the cluster has one, so its " +
        "TLS and basic auth stay as they are, else to the Prefect server. No port needs opening on the node. " +
        "Runs until Ctrl-C.",
    )
    .option("--port <port>", "local port to listen on", "4200")
    .addHelpText("after", examples(["reconcile ui", "reconcile ui --port 8443 -f prod.yaml"]))
    .action(async (opts: { port: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port < 1 || port > 65535) throw new UsageError(`--port must be a port number from 1 to 65535, not '${opts.port}'`);
      const { uiCommand } = await import("./commands/ui.js");
      setExit(await uiCommand({ ...specArgs(), port }, io, log));
    });

  program
    .command("fetch")
    .summary("download deb sets (resolved against the nodes) and URL artifacts, then pin them")
    .description(
      "The connected stage of an air-gapped install. Each deb artifact that lists `packages` is resolved " +
        "with apt-get against its nodes' own release, architecture and dpkg status (read over SSH, or from " +
        "--from-facts), under a private apt configuration (never this machine's): exactly what the nodes lack " +
        "is downloaded into the artifact's folder with its SHA256SUMS, and its sha256 is pinned in cluster.yaml. " +
        "URL artifacts are downloaded into the cache and checked. Deb sets need apt-get on this machine.",
    )
    .argument("[artifacts...]", "only these artifacts (default: every deb set with `packages`, every URL artifact)")
    .option("--from-facts <file>", "the nodes' release and dpkg status saved with `reconcile facts --save-status FILE` (no SSH)")
    .option("--mirror <url>", "Debian archive mirror", "http://deb.debian.org/debian")
    .option("--security-mirror <url>", "Debian security mirror", "http://security.debian.org/debian-security")
    .option("--keyring <file>", "keyring the archive is signed with", "/usr/share/keyrings/debian-archive-keyring.gpg")
    .option("--no-pin", "write the sets but leave cluster.yaml as it is")
    .addHelpText(
      "after",
      examples([
        "reconcile fetch",
        "reconcile fetch pg-debs",
        "reconcile facts --save-status targets.json   # where the nodes are reachable",
        "reconcile fetch --from-facts targets.json     # on the connected machine",
      ]),
    )
    .action(async (names: string[], opts: { fromFacts?: string; mirror: string; securityMirror: string; keyring: string; pin: boolean }) => {
      for (const [flag, url] of [["--mirror", opts.mirror], ["--security-mirror", opts.securityMirror]] as const) {
        if (!/^https?:\/\/[^\s"\]]+$/.test(url)) throw new UsageError(`${flag} must be an http(s) URL, not '${url}'`);
      }
      if (/[\s"\]]/.test(opts.keyring)) throw new UsageError(`--keyring ${opts.keyring}: apt cannot read a keyring path with spaces, quotes or ']'`);
      const { fetchCommand } = await import("./commands/fetch.js");
      setExit(
        await fetchCommand(
          {
            ...specArgs(),
            names,
            ...(opts.fromFacts === undefined ? {} : { fromFacts: opts.fromFacts }),
            sources: { mirror: opts.mirror.replace(/\/+$/, ""), securityMirror: opts.securityMirror.replace(/\/+$/, ""), keyring: opts.keyring },
            noPin: !opts.pin,
          },
          io,
          log,
        ),
      );
    });

  program
    .command("init")
    .summary("write a commented starter cluster.yaml")
    .description(
      "Write a commented starter cluster.yaml that validates as written, and cluster.schema.json beside it " +
        "(for the editor modeline, offline). An existing cluster.yaml is never overwritten without --force; " +
        "an existing schema file is kept.",
    )
    .argument("[file]", "where to write it (same as -f)")
    .option("--force", "overwrite an existing file")
    .addHelpText("after", examples(["reconcile init", "reconcile init staging.yaml"]))
    .action(async (file: string | undefined, opts: { force?: boolean }) => {
      const { initCommand } = await import("./commands/init.js");
      setExit(await initCommand({ file: file ?? globals().file ?? DEFAULT_FILE, force: opts.force === true }, io));
    });

  program
    .command("schema")
    .summary("print the JSON Schema of cluster.yaml")
    .description("Print the JSON Schema of cluster.yaml (for editors: yaml-language-server, VS Code).")
    .addHelpText("after", examples(["reconcile schema > cluster.schema.json"]))
    .action(async () => {
      const { schemaCommand } = await import("./commands/schema.js");
      setExit(schemaCommand(io));
    });

  return program;
}

const VERSION = packageJson.version;

/** Runs the CLI with `argv` (without node and script) and returns the exit code. Never throws. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let log: Logger | undefined;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    (l) => {
      log = l;
    },
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
    log?.info({ event: "exit", exitCode }, "done");
    return exitCode;
  } catch (error) {
    const code = error instanceof SpecPathError ? await reportSpecPaths(error, io) : report(error, io);
    log?.error({ event: "exit", exitCode: code, error: error instanceof Error ? { kind: error.name, message: error.message } : String(error) }, "failed");
    return code;
  }
}

/**
 * Problems found at a path into cluster.yaml past validation, printed like every spec problem
 * (`file:line:col path: message`): the file is read again to place them.
 */
async function reportSpecPaths(error: SpecPathError, io: CliIO): Promise<number> {
  const [{ relative }, { readSpecFile }, { diagnosticsAtPaths }] = await Promise.all([import("node:path"), import("../spec/load.js"), import("../spec/validate.js")]);
  const display = relative(process.cwd(), error.file) || error.file;
  const bytes = await readSpecFile(error.file).catch(() => new Uint8Array());
  const diagnostics = diagnosticsAtPaths(bytes, display.startsWith("..") ? error.file : display, error.problems);
  printDiagnostics(io, display, diagnostics);
  return error.exitCode;
}

function report(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return ExitCode.ok;
    return ExitCode.usage; // commander already printed the message
  }
  if (error instanceof SpecError) {
    printDiagnostics(io, error.diagnostics[0]?.file ?? "spec", error.diagnostics);
    return error.exitCode;
  }
  if (error instanceof ReconcileError) {
    print(io.stderr, `error: ${error.message}`);
    if (error.hint !== undefined) print(io.stderr, `hint: ${error.hint}`);
    return error.exitCode;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  print(io.stderr, `unexpected error: ${e.message}`);
  print(io.stderr, e.stack ?? "");
  print(io.stderr, `This is a bug in reconcile ${VERSION}. Please report it with the output above: ${ISSUES_URL}`);
  return ExitCode.internal;
}

/**
 * A reader that went away (`reconcile facts | head`, quitting `less`) must not become a crash with
 * a stack trace: the rest of the output is dropped and the command runs to its end, so a run that
 * changes nodes is never cut off halfway by a closed pipe.
 */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
    throw error;
  });
}

/** Entry point of the `reconcile` binary. */
export async function main(): Promise<void> {
  ignoreClosedPipe(process.stdout);
  ignoreClosedPipe(process.stderr);
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin };
  process.exitCode = await run(process.argv.slice(2), io);
}
