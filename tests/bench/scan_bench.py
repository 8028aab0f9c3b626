"""make bench, scan: `quiescent scan --no-probe --format json` of 10,000 lab VMs (BENCH_VMS;
`make bench-50k` runs 50,000), beside the same property retrieval done with pyvmomi and beside a
bare replay of the same SOAP requests that reads and discards the bytes (the floor: what the
server and the wire cost).

The floor and quiescent run RUNS rounds as child processes, taking turns; pyvmomi, far slower,
runs in the first PY_RUNS rounds (none at 50,000). The median wall time and the peak RSS
(wait4's ru_maxrss) are printed, and each of issue 18's targets beside the figure measured in
this run, with whether it is met: at 10,000 VMs quiescent/floor <= 1.15, pyvmomi/quiescent >= 8,
peak RSS <= 40 MB; at 50,000 VMs quiescent/floor <= 1.15 and peak RSS <= 100 MB.
quiescent/floor is the median of each round's own ratio: a shared machine's speed drifts from
one round to the next, and a ratio of runs seconds apart sees the same machine. The load
average is printed beside the figures: other work on the machine skews them.

quiescent reads the VMs in slices at once (--read-streams, default 2: the containers and the
list of VMs first, then each slice over its own connection), as a client may and vCenter
serves; the floor and pyvmomi make the one sequential retrieval most clients make, so
quiescent/floor below 1 is the parallel reading's gain over the usual way.

The lab builds each page when it is asked for, as vCenter does (tests/lab/paging.go), so the
server's time is spread over the pages and a client that asks for the next page early can parse
behind it. (Until 2026-12 the lab computed every VM before the first page; to compare with such
a lab, point QUIESCENT_LAB at its binary.) The floor and quiescent also say when their first
page came in, and the report splits each wall into that and the rest.
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from labctl import Lab, QUIESCENT_BIN  # noqa: E402

VMS = int(os.environ.get("BENCH_VMS", "10000"))
SCALE = int(os.environ.get("BENCH_SCALE", str(max(1, VMS // 100))))  # fleet100.json x SCALE
RUNS = int(os.environ.get("BENCH_RUNS", "15" if VMS <= 10000 else "5"))
PY_RUNS = min(RUNS, int(os.environ.get("BENCH_PY_RUNS", "3" if VMS <= 10000 else "0")))
TARGET_RSS = 40 if VMS <= 10000 else 100
PAGE = 250  # INVENTORY_PAGE_SIZE in core/vsphere/inventory.h: every contender pages alike
PY = "/usr/bin/python3"
# The properties quiescent's scan reads (props[] in core/vsphere/inventory.c, in its order): the
# floor and pyvmomi must ask for exactly these, or they are measured on a smaller answer.
PATHS = ["name", "config.template", "config.guestId", "config.guestFullName", "config.version",
         "config.extraConfig", "config.hardware.device", "runtime.powerState",
         "runtime.connectionState", "runtime.bootTime", "guest.toolsVersionStatus2",
         "guest.toolsRunningStatus", "guest.toolsVersion", "guest.guestId", "guest.guestFullName",
         "guest.disk", "snapshot", "parent", "runtime.host"]
# The estate (core/vsphere/estate.c): the containers in the same view and the same retrieval.
CONTAINERS = ["Folder", "Datacenter", "ComputeResource", "HostSystem"]


REPLAY = r'''
import time; t0 = time.monotonic()
import http.client, re, ssl, sys
host, port, user, pw, page = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
paths = sys.argv[6:]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
conn = http.client.HTTPSConnection(host, port, context=ctx)
cookie = None
def call(body):
    global cookie
    env = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv='
           '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
           '<soapenv:Body>' + body + '</soapenv:Body></soapenv:Envelope>')
    h = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/7.0.3.0"}
    if cookie: h["Cookie"] = cookie
    conn.request("POST", "/sdk", env.encode(), h)
    r = conn.getresponse()
    c = r.getheader("Set-Cookie")
    if c: cookie = c.split(";")[0]
    return r.read()
sc = call('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>')
def tag(x, t): return re.search(rb"<" + t + rb"[^>]*>([^<]*)</" + t + rb">", x).group(1).decode()
sm, pc, vm_, root = tag(sc, b"sessionManager"), tag(sc, b"propertyCollector"), tag(sc, b"viewManager"), tag(sc, b"rootFolder")
call('<Login xmlns="urn:vim25"><_this type="SessionManager">%s</_this><userName>%s</userName><password>%s</password></Login>' % (sm, user, pw))
containers = ["Folder", "Datacenter", "ComputeResource", "HostSystem"]
types = "".join("<type>%s</type>" % t for t in ["VirtualMachine"] + containers)
v = call('<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">%s</_this><container type="Folder">%s</container>%s<recursive>true</recursive></CreateContainerView>' % (vm_, root, types))
view = tag(v, b"returnval")
props = "".join("<pathSet>%s</pathSet>" % p for p in paths)
props += "".join("</propSet><propSet><type>%s</type><pathSet>name</pathSet><pathSet>parent</pathSet>" % t for t in containers)
spec = ('<specSet><propSet><type>VirtualMachine</type>%s</propSet><objectSet><obj type="ContainerView">%s</obj><skip>true</skip>'
        '<selectSet xsi:type="TraversalSpec"><name>v</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>') % (props, view)
total = 0
body = call('<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this>%s<options><maxObjects>%d</maxObjects></options></RetrievePropertiesEx>' % (pc, spec, page))
total += len(body)
sys.stderr.write("first page in %.1f ms\n" % ((time.monotonic() - t0) * 1000))
while True:
    m = re.search(rb"<token>([^<]*)</token>", body)
    if not m: break
    body = call('<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this><token>%s</token></ContinueRetrievePropertiesEx>' % (pc, m.group(1).decode()))
    total += len(body)
print(total)
'''

PYVMOMI = r'''
import ssl, sys
from pyVim.connect import SmartConnect, Disconnect
from pyVmomi import vim, vmodl
host, port, user, pw, page = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
paths = sys.argv[6:]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
si = SmartConnect(host=host, port=port, user=user, pwd=pw, sslContext=ctx)
content = si.RetrieveContent()
containers = [vim.Folder, vim.Datacenter, vim.ComputeResource, vim.HostSystem]
view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine] + containers, True)
pc = content.propertyCollector
spec = vmodl.query.PropertyCollector.FilterSpec(
    objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[
        vmodl.query.PropertyCollector.TraversalSpec(name="v", type=vim.view.ContainerView, path="view", skip=False)])],
    propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=paths)] +
            [vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=["name", "parent"]) for t in containers])
res = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=page))
n = len(res.objects)
while res.token:
    res = pc.ContinueRetrievePropertiesEx(res.token)
    n += len(res.objects)
print(n)
Disconnect(si)
'''


FIRST_PAGE = re.compile(r"first page in\s+([\d.]+) ms(?:\s+\(\s*([\d.]+)\))?")


def first_page_s(err):
    """Seconds from the contender's start to its first page, from its stderr (quiescent's
    QUIESCENT_TIMING line, whose total is in brackets; the replay's own line), or None."""
    m = FIRST_PAGE.search(err.decode(errors="replace"))
    return float(m.group(2) or m.group(1)) / 1000 if m else None


def run_once(cmd, env=None):
    """Wall seconds, peak RSS (MiB), stdout and stderr of one run. A JSON stdout (quiescent's)
    is kept as the number of VMs in it, read from a file a piece at a time: a child's peak
    RSS (wait4's ru_maxrss) can be no lower than this process's own at the fork (Linux carries
    the forked copy's high-water mark over the exec), so this process must stay small, and
    its own peak is printed beside the figures."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out_f:
        proc = subprocess.Popen(cmd, env=env, stdout=out_f, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        out_f.seek(0)
        head = out_f.read(1)
        out_f.seek(0)
        if head == b"{":
            n, tail = 0, b""  # a 6-byte tail cannot hold the 7-byte key: counted once
            for piece in iter(lambda: out_f.read(1 << 20), b""):
                chunk = tail + piece
                n += chunk.count(b'"moref"')
                tail = chunk[-6:]
            out = b"%d" % n
        else:
            out = out_f.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise RuntimeError("%s failed (%d): %s" % (cmd[:2], code, err.decode()[-400:]))
    return wall, usage.ru_maxrss / 1024.0, out, err


def interleaved(contenders, runs):
    """Per contender: every run's wall and first-page time, the max RSS and the last stdout.
    Round i runs the contenders whose runs[name] > i, in a rotating order, after one warm-up
    run of the first: a fresh lab answers its first requests slower, and the machine's load
    drifts; neither may favour whoever runs at a given time."""
    names = list(contenders)
    run_once(*contenders[names[0]])
    res = {n: {"walls": [], "firsts": [], "rss": 0.0, "out": b""} for n in names}
    for i in range(max(runs.values())):
        for n in names[i % len(names):] + names[:i % len(names)]:
            if i >= runs[n]:
                continue
            w, r, o, e = run_once(*contenders[n])
            res[n]["walls"].append(w)
            res[n]["firsts"].append(first_page_s(e))
            res[n]["rss"] = max(res[n]["rss"], r)
            res[n]["out"] = o
    return res


def verdict(ok):
    return "met" if ok else "NOT met"


def main():
    scenario = os.path.join(HERE, "scenarios", "fleet100.json")
    print("scan bench: starting the lab with %d VMs (fleet100.json x %d)..." % (100 * SCALE, SCALE), flush=True)
    if os.environ.get("QUIESCENT_LAB"):
        print("lab: %s (QUIESCENT_LAB)" % os.environ["QUIESCENT_LAB"], flush=True)
    with Lab(scenario, speed=1000, scale=SCALE) as lab, tempfile.TemporaryDirectory() as tmp:
        host, port = lab.host.rsplit(":", 1)
        common = [host, port, lab.user, lab.password, str(PAGE)] + PATHS
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=lab.password, QUIESCENT_USER=lab.user,
                   QUIESCENT_DB=os.path.join(tmp, "bench.db"))
        scan = [QUIESCENT_BIN, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                "--no-probe", "--format", "json"]
        t_env = dict(env, QUIESCENT_TIMING="1")  # for its first-page line; costs nothing
        contenders = {"floor": ([PY, "-c", REPLAY] + common, None),
                      "quiescent": (scan, t_env)}
        runs = {"floor": RUNS, "quiescent": RUNS}
        if PY_RUNS:
            contenders["pyvmomi"] = ([PY, "-c", PYVMOMI] + common, None)
            runs["pyvmomi"] = PY_RUNS
        res = interleaved(contenders, runs)
        f, q = res["floor"], res["quiescent"]
        p = res.get("pyvmomi", {"walls": [float("nan")], "rss": float("nan"), "out": b"-"})
        n = int(q["out"])
        # One more run: where quiescent's time goes, phase by phase.
        t_proc = subprocess.run(scan, env=t_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        phases = [l for l in t_proc.stderr.decode(errors="replace").splitlines()
                  if l.startswith("timing:")]
    med = statistics.median
    f_wall, q_wall, p_wall = med(f["walls"]), med(q["walls"]), med(p["walls"])
    print()
    print("%-28s %10s %10s   (%d, %d and %d runs)" % ("scan of %d VMs" % n, "wall s", "peak MiB",
                                                   RUNS, RUNS, PY_RUNS))
    print("%-28s %10.2f %10.1f" % ("floor (replay, discard)", f_wall, f["rss"]))
    print("%-28s %10.2f %10.1f" % ("quiescent scan --no-probe", q_wall, q["rss"]))
    print("%-28s %10.2f %10.1f" % ("pyvmomi (same properties)", p_wall, p["rss"]))
    print()
    q_f = [a / b for a, b in zip(q["walls"], f["walls"])]
    print("quiescent / floor   = %.2fx  (target <= 1.15: %s; rounds %s)"
          % (med(q_f), verdict(med(q_f) <= 1.15), " ".join("%.2f" % r for r in q_f)))
    if PY_RUNS:
        print("pyvmomi / quiescent = %.2fx  (target >= 8: %s)"
              % (p_wall / q_wall, verdict(p_wall / q_wall >= 8)))
    print("quiescent peak RSS  = %.1f MiB (target <= %d: %s; a child's figure cannot be below"
          " this bench's own peak, %.1f MiB)"
          % (q["rss"], TARGET_RSS, verdict(q["rss"] <= TARGET_RSS),
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    print("load average at the end: %s (other work on the machine skews the figures)"
          % " ".join("%.2f" % x for x in os.getloadavg()))
    print("client-side cost (wall - floor): quiescent %.2f s, pyvmomi %.2f s (%.1fx)"
          % (q_wall - f_wall, p_wall - f_wall,
             (p_wall - f_wall) / (q_wall - f_wall) if q_wall > f_wall else float("inf")))
    if None not in f["firsts"] + q["firsts"]:
        print("first page in (median): floor %.2f s, quiescent %.2f s; the rest of the run: "
              "floor %.2f s, quiescent %.2f s"
              % (med(f["firsts"]), med(q["firsts"]),
                 med([w - t for w, t in zip(f["walls"], f["firsts"])]),
                 med([w - t for w, t in zip(q["walls"], q["firsts"])])))
    f_out, p_out = f["out"], p["out"]
    print("replayed bytes: %s, pyvmomi objects: %s" % (f_out.decode().strip(), p_out.decode().strip()))
    if phases:
        print()
        print("quiescent phases (one extra run, QUIESCENT_TIMING=1; net/parse are summed over")
        print("requests and connections, so they overlap the phases above them):")
        for line in phases:
            print("  " + line[len("timing:"):].strip())


if __name__ == "__main__":
    main()
