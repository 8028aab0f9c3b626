#!/usr/bin/python3
"""Captures real lab responses as fuzz seeds: a recording TLS proxy between quiescent and the
lab (tests/integration/labctl.py) while scan, fix --plan and snaptest run, then each raw HTTP
response body is filed under tests/fuzz/corpus/<harness>/ by what it is. Run by hand when the
lab's responses change (`/usr/bin/python3 tests/fuzz/capture_lab.py`); needs build/quiescent
and build/quiescent-lab. Keeps the corpus small: one file per distinct (method, size bucket)."""
import hashlib
import os
import re
import socket
import ssl
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
from labctl import Lab, quiescent  # noqa: E402
import tlsutil  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")
SEP = b"\n@@PAGE@@\n"
MAX_SEED = 48 * 1024


class Proxy:
    def __init__(self, upstream, cert, key):
        self.upstream = upstream
        self.ctx = tlsutil.server_context(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.streams = []   # (client bytes, server bytes) per connection
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, raw):
        try:
            c = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            return
        host, port = self.upstream.split(":")
        u = ssl._create_unverified_context().wrap_socket(socket.create_connection((host, int(port))))
        rec = [bytearray(), bytearray()]
        with self.lock:
            self.streams.append(rec)

        def pump(src, dst, buf):
            try:
                while True:
                    d = src.recv(65536)
                    if not d:
                        break
                    buf += d
                    dst.sendall(d)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        t = threading.Thread(target=pump, args=(u, c, rec[1]), daemon=True)
        t.start()
        pump(c, u, rec[0])
        t.join(5)


def messages(data):
    """Splits an HTTP/1.1 byte stream into (head, body) messages."""
    out, i = [], 0
    while i < len(data):
        j = data.find(b"\r\n\r\n", i)
        if j < 0:
            break
        head = data[i:j].decode("latin-1")
        i = j + 4
        m = re.search(r"(?im)^content-length:\s*(\d+)", head)
        if re.search(r"(?im)^transfer-encoding:\s*chunked", head):
            body = bytearray()
            while True:
                k = data.find(b"\r\n", i)
                n = int(data[i:k].split(b";")[0], 16)
                i = k + 2
                body += data[i:i + n]
                i += n + 2
                if n == 0:
                    break
            body = bytes(body)
        elif m:
            body = data[i:i + int(m.group(1))]
            i += int(m.group(1))
        else:
            body = b""
        out.append((head, body))
    return out


def save(harness, name, data):
    if len(data) > MAX_SEED:
        return False
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:10]
    with open(os.path.join(d, "lab-%s-%s" % (name, h)), "wb") as f:
        f.write(data)
    return True


def file_seeds(pairs):
    seen = {}
    for req, (head, body) in pairs:
        method = re.search(rb"<soapenv:Body><(\w+)", req[1] or b"")
        method = method.group(1).decode() if method else "GET"
        status = head.split(" ", 2)[1] if " " in head else "?"
        key = (method, status)
        if seen.get(key, 0) >= 3 or len(body) > MAX_SEED:
            continue
        seen[key] = seen.get(key, 0) + 1
        if method == "GET":
            if body[:2] == b"PK":
                save("fuzz_manifest_zip", "zip", body)
                import io
                import zipfile
                z = zipfile.ZipFile(io.BytesIO(body))
                for n in z.namelist():
                    doc = z.read(n)
                    first = b"\x00" if n.lower().endswith("backup.xml") else b"\x01"
                    save("fuzz_manifest_xml", re.sub(r"\W", "_", n)[-40:], first + doc)
            continue
        if status != "200":
            save("fuzz_soap_fault", method, body)
            continue
        save("fuzz_soap_reader", method, body)
        if method in ("RetrievePropertiesEx", "ContinueRetrievePropertiesEx"):
            save("fuzz_propcol_retrieve", method, b"\x00" + body)
            save("fuzz_propcol_retrieve", method + "-obj", b"\x01" + body)
            for m in re.finditer(rb"<val xsi:type=\"TaskInfo\".*?</val>", body, re.S):
                save("fuzz_task_info", "taskinfo", m.group(0).replace(
                    b"<val ", b"<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ", 1))
        elif method == "WaitForUpdatesEx":
            save("fuzz_propcol_updates", method, b"\x00" + body)
        elif method in ("CreateContainerView",):
            save("fuzz_propcol_retrieve", method, b"\x02" + body)
        elif method in ("CreatePropertyCollector", "CreateFilter"):
            pass


def inventory_seeds(pairs):
    """One seed per inventory property: <path index byte><val ...>...</val>."""
    paths = None
    src = open(os.path.join(HERE, "..", "..", "core", "vsphere", "inventory.c")).read()
    m = re.search(r"static const prop_map props\[\] = \{(.*?)\};", src, re.S)
    if m:
        paths = re.findall(r'\{ "([^"]+)",', m.group(1))
    if not paths:
        return
    done = set()
    for req, (head, body) in pairs:
        for pm in re.finditer(rb"<propSet><name>([^<]+)</name>(<val .*?</val>)</propSet>", body, re.S):
            name = pm.group(1).decode()
            if name in paths and name not in done:
                done.add(name)
                val = pm.group(2).replace(b"<val ", b"<val xmlns=\"urn:vim25\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ", 1)
                save("fuzz_inventory", re.sub(r"\W", "_", name), bytes([paths.index(name)]) + val)


def main():
    tmp = tempfile.TemporaryDirectory(prefix="quiescent-capture-")
    cert, key, thumb = tlsutil.make_cert(tmp.name)
    scen = os.path.join(HERE, "..", "integration", "scenarios", "snaptest.json")
    with Lab(scen, speed=50) as lab:
        px = Proxy(lab.host, cert, key)
        url = "https://127.0.0.1:%d/sdk" % px.port
        db = os.path.join(tmp.name, "h.db")
        common = ["--server", url, "--thumbprint", thumb]
        guest = "Administrator:Int-Guest-Secret-4412"
        for args in (["scan"] + common + ["--format", "json"],
                     ["fix", "--plan"] + common,
                     ["snaptest"] + common + ["--guest-user", "Administrator", "app-2019"],
                     ["snaptest"] + common + ["--guest-user", "Administrator", "fs-2019"],
                     ["scan"] + common + ["--vm", "nosuch"]):
            r = quiescent(lab, *args, guest_login=guest, db=db, timeout=300)
            print("%s -> %d" % (" ".join(args[:2]), r.returncode))
        px.sock.close()
        pairs = []
        for c, s in px.streams:
            reqs, resps = messages(bytes(c)), messages(bytes(s))
            pairs += list(zip(reqs, resps))
        file_seeds(pairs)
        inventory_seeds(pairs)
        print("%d responses captured" % len(pairs))


if __name__ == "__main__":
    main()
