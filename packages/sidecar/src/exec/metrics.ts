import { Counter, Gauge, type Registry } from "prom-client";

/** The child's metrics, on the sidecar's registry: pid, restarts, exits and the last exit code. */
export class ExecMetrics {
  readonly pid: Gauge;
  readonly restarts: Counter;
  readonly exits: Counter;
  readonly lastExitCode: Gauge;
  constructor(registry: Registry) {
    const registers = [registry];
    this.pid = new Gauge({ name: "stowaway_exec_child_pid", help: "Pid of the running child; 0 while none runs", registers });
    this.restarts = new Counter({
      name: "stowaway_exec_restarts_total",
      help: "Child restarts, by reason (change: a secret changed; exit: restartOnExit)",
      labelNames: ["reason"],
      registers,
    });
    this.exits = new Counter({ name: "stowaway_exec_child_exits_total", help: "Times the child exited, asked to or not", registers });
    this.lastExitCode = new Gauge({
      name: "stowaway_exec_last_exit_code",
      help: "Exit code of the child's last exit (128+N for signal N); -1 before the first",
      registers,
    });
    this.lastExitCode.set(-1);
    this.pid.set(0);
  }
}
