"""The line every benchmark table opens with: what machine the figures were measured on."""
import os
import platform


def describe_machine() -> str:
    """CPU model, core count, memory and Python version, e.g. 'AMD EPYC 7B13, 2 cores, 24 GiB RAM, Python 3.11.7'."""
    cpu = platform.processor() or "unknown CPU"
    ram = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            ram = f", {int(f.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:  # not Linux: keep what platform knows
        pass
    return f"{cpu}, {os.cpu_count()} cores{ram}, Python {platform.python_version()}"
