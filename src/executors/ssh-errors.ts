/**
 * What goes wrong on an SSH connection, in words: socket, ssh2 and SFTP errors mapped to a
 * {@link ConnectError}, {@link RemoteCommandError} or {@link RemoteFileError} with a category and a
 * hint, and the messages for work the lost connection cut short. Pure: no ssh2 at run time.
 */
import { ConnectError, RemoteCommandError, RemoteFileError, type ConnectCategory, type RemoteFileStatus } from "../errors.js";
import type { ResolvedNode } from "../spec/resolved.js";

/** Unanswered keepalives before the connection counts as lost. */
export const KEEPALIVE_COUNT_MAX = 3;

/**
 * Maps a socket or ssh2 error to a {@link ConnectError} with a category and a hint. `phase` says
 * whether the connection was already up ("connected": any loss is "closed").
 */
export function mapConnectError(node: ResolvedNode, error: unknown, phase: "connect" | "connected"): ConnectError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; level?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const level = typeof e.level === "string" ? e.level : "";
  const message = typeof e.message === "string" ? e.message : String(error);
  const where = `${node.address}:${node.ssh.port}`;
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  const make = (category: ConnectCategory, text: string, hint: string) =>
    new ConnectError(node.name, category, text, { hint, cause: error });

  if (message === "Keepalive timeout") {
    // ssh2 gives up when the (countMax+1)th keepalive is due unanswered.
    const silence = seconds(node.ssh.keepaliveIntervalMs * (KEEPALIVE_COUNT_MAX + 1));
    return new ConnectError(node.name, "closed", `lost the connection to ${where}: no answer to keepalives for ${silence}`, {
      hint: "check that the node is up and the network path to it is stable (ssh.keepaliveInterval sets how soon a silent node counts as lost)",
      cause: error,
      why: `no answer for ${silence}: the node is down or the network to it is cut`,
    });
  }
  const rebooted = "the node rebooted or the network went down";
  switch (code) {
    case "ECONNREFUSED":
      return make("refused", `connection refused by ${where}`, "check that sshd runs on the node and that ssh.port is right");
    case "ETIMEDOUT":
      return make("timeout", `connecting to ${where} timed out`, "check the address, that the node is up and that no firewall drops SSH");
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
    case "EAI_FAIL":
      return make("dns", `cannot resolve ${node.address} (${code})`, "check the node's address; on an air-gapped network use an IP address or an /etc/hosts entry on this machine");
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return make("unreachable", `no route to ${where} (${code})`, "check that the node is up and that this machine has a route to its network");
    case "ECONNRESET":
    case "EPIPE":
      return phase === "connect"
        ? make("closed", `${where} reset the connection before SSH was set up`, "check the node's sshd logs (MaxStartups, tcp wrappers, fail2ban)")
        : new ConnectError(node.name, "closed", `lost the connection to ${where} (${code})`, { hint: "check that the node is up; it may have rebooted or sshd may have restarted", cause: error, why: rebooted });
  }
  if (level === "client-timeout") {
    return make("timeout", `connecting to ${where} timed out: no SSH handshake within ${seconds(node.ssh.connectTimeoutMs)}`, "check the address and that sshd answers on ssh.port; raise ssh.connectTimeout if the link is slow");
  }
  if (level === "client-authentication") {
    return make("auth", `authentication failed for ${node.ssh.user}@${where}`, authHint(node));
  }
  if (phase === "connected") {
    return new ConnectError(node.name, "closed", `lost the connection to ${where}: ${message}`, { hint: "check that the node is up; it may have rebooted or sshd may have restarted", cause: error, why: rebooted });
  }
  if (message === "Connection lost before handshake") {
    return make("closed", `${where} closed the connection before the SSH handshake`, "check that ssh.port is an SSH server, and the node's sshd logs (MaxStartups, tcp wrappers, fail2ban)");
  }
  if (level === "handshake" || level === "protocol") {
    return make("protocol", `SSH handshake with ${where} failed: ${message}`, "the node's sshd must offer an Ed25519, ECDSA or RSA-SHA2 host key and current ciphers (OpenSSH 7.4 or newer does)");
  }
  return make("protocol", `cannot connect to ${where}: ${message}`, "run with --log-file and report this if it persists");
}

export function authHint(node: ResolvedNode): string {
  return `check that the public key is in ~${node.ssh.user}/.ssh/authorized_keys on the node and that ssh.user is right`;
}

/** `node n2: the connection was lost during <what> (the node rebooted or the network went down)`. */
export function lostDuring(node: string, what: string, error: ConnectError): ConnectError {
  const why = error.why ?? error.message;
  return new ConnectError(node, "closed", `the connection was lost during ${what} (${why})`, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error, why });
}

/**
 * Why a command that exited before it reported its process group never started: `sudo -n`
 * wanting a password, or the wrapper's tools missing on the node.
 */
export function notStarted(node: string, user: string, label: string, become: boolean, stderr: string): RemoteCommandError {
  const detail = firstLine(stderr.trim()) || "no message";
  if (become && /password|terminal is required|askpass/i.test(stderr)) {
    return new RemoteCommandError(node, "exit", `sudo -n refused to run \`${label}\` as root: ${detail}`, {
      hint: `let ${user} use sudo without a password (\`${user} ALL=(ALL) NOPASSWD: ALL\` in /etc/sudoers.d/reconcile on the node), or connect as root and set ssh.become: none`,
    });
  }
  return new RemoteCommandError(node, "exit", `could not start \`${label}\`: ${detail}`, {
    hint: `commands run through sh and setsid (util-linux)${become ? " under sudo" : ""}; check that they are installed on the node`,
  });
}

/** Maps the refusal of a tunnel (ssh2's `forwardOut`) to a {@link ConnectError}. */
export function forwardError(node: string, error: Error & { reason?: unknown }, host: string, port: number): ConnectError {
  const target = `${host}:${port}`;
  // RFC 4254 5.1 reason codes: 1 administratively prohibited, 2 connect failed.
  if (error.reason === 1) {
    return new ConnectError(node, "protocol", `sshd refused to open a tunnel to ${target}`, { hint: "set AllowTcpForwarding yes (the default) in the node's sshd_config", cause: error });
  }
  if (error.reason === 2) {
    return new ConnectError(node, "refused", `nothing accepts connections at ${target} on the node`, { hint: "check that the service is running and listens there", cause: error });
  }
  return new ConnectError(node, "protocol", `cannot open a tunnel to ${target} on the node: ${error.message}`, { cause: error });
}

/** SFTP status codes (filexfer draft 02, the version OpenSSH speaks), by number. */
const SFTP_STATUS: Record<number, RemoteFileStatus> = { 1: "eof", 2: "no-such-file", 3: "permission-denied", 4: "failure", 5: "bad-message", 6: "no-connection", 7: "connection-lost", 8: "unsupported" };

/** What an SFTP status means, in words for an error message. */
const SFTP_MEANING: Record<RemoteFileStatus, string> = {
  eof: "end of file",
  "no-such-file": "no such file or folder",
  "permission-denied": "permission denied",
  // OpenSSH's sftp-server sends "failure" for every errno it has no code for: ENOSPC, EIO, EROFS, EDQUOT...
  failure: "the node's SFTP server reports a failure (a full disk, a read-only or failing file system)",
  "bad-message": "the node's SFTP server rejected the request as malformed",
  "no-connection": "no connection",
  "connection-lost": "the SFTP connection was lost",
  unsupported: "the node's SFTP server does not support it",
  other: "an unknown SFTP error",
};

/**
 * Maps an ssh2 SFTP error (a status from the server, or the session ending under a pending request)
 * to a {@link RemoteFileError} with its status, or a {@link ConnectError} when the session went away.
 */
export function mapSftpError(node: string, what: string, error: unknown): RemoteFileError | ConnectError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  if (typeof e.code !== "number") {
    // ssh2 fails every pending request with "No response from server" when the session's channel closes.
    return new ConnectError(node, "closed", `the SFTP session ended during ${what} (${message})`, { hint: "the node's sshd or sftp-server stopped the session; the next try opens a new one", cause: error, why: "the node closed the SFTP session" });
  }
  const status = SFTP_STATUS[e.code] ?? "other";
  const said = message === "" || message.toLowerCase() === SFTP_MEANING[status] ? "" : ` (the node says: ${message})`;
  const hint =
    status === "permission-denied"
      ? "the SSH user must be able to write there; with `ssh.become: sudo` reconcile hands the upload file to that user first, so check the folder's owner and mode on the node"
      : status === "failure"
        ? "check the free space (`df -h`) and the kernel log (`dmesg`) of the node"
        : undefined;
  return new RemoteFileError(node, status, `cannot ${what}: ${SFTP_MEANING[status]}${said}`, { ...(hint === undefined ? {} : { hint }), cause: error });
}

/** First line of a command or message, for logs and error messages. */
export function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
