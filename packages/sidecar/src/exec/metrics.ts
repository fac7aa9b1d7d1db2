import type { Counter, Gauge, MetricSet } from "../server/metrics.js";

/** The child's metrics, served with the sidecar's: pid, restarts, exits and the last exit code. */
export class ExecMetrics {
  readonly pid: Gauge;
  readonly restarts: Counter;
  readonly exits: Counter;
  readonly lastExitCode: Gauge;
  constructor(set: MetricSet) {
    this.pid = set.gauge("stowaway_exec_child_pid", "Pid of the running child; 0 while none runs");
    this.restarts = set.counter("stowaway_exec_restarts_total", "Child restarts, by reason (change: a secret changed; exit: restartOnExit)", ["reason"]);
    this.exits = set.counter("stowaway_exec_child_exits_total", "Times the child exited, asked to or not");
    this.lastExitCode = set.gauge("stowaway_exec_last_exit_code", "Exit code of the child's last exit (128+N for signal N); -1 before the first");
    this.lastExitCode.set(-1);
    this.pid.set(0);
  }
}
