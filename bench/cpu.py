"""CPU accounting for bench/run.sh: prints one line of clock ticks (USER_HZ) spent so far by
the whole machine (busy, all), by each PostgreSQL process, and by each given process.

    python3 bench/cpu.py PID...   ->  machine_busy=.. machine_all=.. pg_<PID>=.. pid_<PID>=..
"""

import os
import sys


def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


with open("/proc/stat") as f:
    cpu = [int(x) for x in f.readline().split()[1:]]
idle = cpu[3] + cpu[4]  # idle + iowait
busy = sum(cpu[:8]) - idle  # user nice system idle iowait irq softirq steal
# Per PostgreSQL process, so that a process that exits between two snapshots (an autovacuum
# worker, say) drops out instead of making the difference negative.
postgres = [p for p in os.listdir("/proc") if p.isdigit() and comm(p) == "postgres"]
fields = [f"machine_busy={busy}", f"machine_all={busy + idle}"]
fields += [f"pg_{p}={ticks(p)}" for p in postgres]
fields += [f"pid_{p}={ticks(p)}" for p in sys.argv[1:]]
print(" ".join(fields))
