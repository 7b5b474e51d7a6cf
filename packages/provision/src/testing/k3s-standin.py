#!/usr/bin/python3
# Test stand-in for the K3s binary: the nodes here cannot download K3s, and a
# real K3s cannot run in an unprivileged container. It answers --version with
# the pinned version, and as `k3s server|agent` it records its arguments and
# the config file it would read, tells systemd it is ready (Type=notify), and waits.
# It proves the role's units and configuration, not a running cluster.
import json, os, socket, sys, time

VERSION = "@K3S_VERSION@"
if "--version" in sys.argv[1:] or sys.argv[1:2] == ["version"]:
    print(f"k3s version {VERSION} (stand-in)")
    sys.exit(0)
mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode not in ("server", "agent"):
    sys.exit(f"k3s stand-in: unsupported command {sys.argv[1:]}")
with open("/etc/rancher/k3s/config.yaml") as f:
    config = f.read()
os.makedirs("/run/k3s-standin", exist_ok=True)
with open(f"/run/k3s-standin/{mode}.json", "w") as f:
    json.dump({"argv": sys.argv[1:], "config": config, "pid": os.getpid()}, f)
sock = os.environ.get("NOTIFY_SOCKET")
if sock:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect("\0" + sock[1:] if sock.startswith("@") else sock)
    s.send(b"READY=1")
while True:
    time.sleep(3600)
