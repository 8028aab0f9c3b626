#!/usr/bin/python3
"""A hostile vSphere endpoint for tests: HTTPS on loopback with a throwaway self-signed
certificate, answering every request in one bad way (--mode). Bounded: each connection lasts at
most --conn-seconds, the server at most --max-seconds; it never reads a local file for a client.

    hostile_server.py --mode drip   -> prints "URL https://127.0.0.1:PORT/sdk", "THUMBPRINT ..",
                                       "READY", then serves until killed or --max-seconds.
Modes: see MODES. Used by tests/integration/test_hostile.py (also importable: HostileServer)."""
import argparse
import os
import socket
import ssl
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsutil  # noqa: E402

SOAP_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
             b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
             b'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
             b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>')
SOAP_TAIL = b"</soapenv:Body></soapenv:Envelope>"
SERVICE_CONTENT = (SOAP_HEAD + b'<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>'
                   b'<rootFolder type="Folder">group-d1</rootFolder>'
                   b'<propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>'
                   b'<viewManager type="ViewManager">ViewManager</viewManager>'
                   b'<about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 7.0.3'
                   b'</fullName><apiType>VirtualCenter</apiType><apiVersion>7.0.3.0</apiVersion>'
                   b'</about><sessionManager type="SessionManager">SessionManager</sessionManager>'
                   b'</returnval></RetrieveServiceContentResponse>' + SOAP_TAIL)

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n' +
          b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                   for i in range(1, 10)) +
          b"]>\n" + SOAP_HEAD[SOAP_HEAD.index(b"<soapenv:Envelope"):] +
          b"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>&lol9;</faultstring>"
          b"</soapenv:Fault>" + SOAP_TAIL)
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
       b'<!ENTITY % pe SYSTEM "file:///etc/passwd"> %pe;]>\n' +
       SOAP_HEAD[SOAP_HEAD.index(b"<soapenv:Envelope"):] +
       b"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>&xxe;</faultstring>"
       b"<detail><x>&xxe;</x></detail></soapenv:Fault>" + SOAP_TAIL)
# The same after a UTF-16 BOM, so a byte-level "<!DOCTYPE" check cannot see it.
XXE16 = b"\xff\xfe" + XXE.replace(b'<?xml version="1.0"?>\n', b"").decode().encode("utf-16-le")
LAUGHS16 = b"\xff\xfe" + LAUGHS.replace(b'<?xml version="1.0"?>\n', b"").decode().encode("utf-16-le")
NEST = SOAP_HEAD + b"<RetrieveServiceContentResponse xmlns=\"urn:vim25\">" + \
    b"<a>" * 200000 + b"</a>" * 200000 + b"</RetrieveServiceContentResponse>" + SOAP_TAIL
HTML = (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
        b"<h1>Service Unavailable</h1><p>The vpxd service is restarting.</p></body></html>")


def resp(status, body, ctype=b"text/xml; charset=utf-8", extra=b"", length=None):
    reason = {200: b"OK", 500: b"Internal Server Error", 503: b"Service Unavailable"}.get(status, b"X")
    n = len(body) if length is None else length
    return (b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" %
            (status, reason, ctype, n, extra)) + body


def m_http500(conn, deadline):
    conn.sendall(resp(500, HTML.replace(b"503 Service Unavailable", b"500 Internal Server Error"),
                      b"text/html"))


def m_http503(conn, deadline):
    conn.sendall(resp(503, HTML, b"text/html", b"Retry-After: 1\r\n"))


def m_truncated(conn, deadline):
    conn.sendall(resp(200, SERVICE_CONTENT[:len(SERVICE_CONTENT) // 2], length=len(SERVICE_CONTENT)))


def m_truncated_xml(conn, deadline):
    body = SERVICE_CONTENT[:len(SERVICE_CONTENT) // 2]
    conn.sendall(resp(200, body))


def m_entities(conn, deadline):
    conn.sendall(resp(500, LAUGHS))


def m_entities200(conn, deadline):
    conn.sendall(resp(200, LAUGHS))


def m_entities16(conn, deadline):
    conn.sendall(resp(200, LAUGHS16, b"text/xml; charset=utf-16"))


def m_xxe(conn, deadline):
    conn.sendall(resp(500, XXE))


def m_xxe200(conn, deadline):
    conn.sendall(resp(200, XXE))


def m_xxe16(conn, deadline):
    conn.sendall(resp(500, XXE16, b"text/xml; charset=utf-16"))


def m_xxe16_200(conn, deadline):
    conn.sendall(resp(200, XXE16, b"text/xml; charset=utf-16"))


def m_nesting(conn, deadline):
    conn.sendall(resp(200, NEST))


def m_nesting500(conn, deadline):
    conn.sendall(resp(500, NEST.replace(b"RetrieveServiceContentResponse", b"soapenv:Fault")))


def m_stall(conn, deadline):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n")
    wait_closed(conn, deadline)


def m_stall_headers(conn, deadline):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n")
    wait_closed(conn, deadline)


def m_drip(conn, deadline):
    data = resp(200, SERVICE_CONTENT)
    for i in range(len(data)):
        if time.time() > deadline:
            return
        conn.sendall(data[i:i + 1])
        time.sleep(1)


def m_trickle(conn, deadline):
    """Just above a 100 B/s no-progress bound: 200 bytes a second of an endless body."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"<a>" + b"x" * 190 + b"</a>"
    conn.sendall(b"%x\r\n%s\r\n" % (len(SOAP_HEAD), SOAP_HEAD))
    while time.time() < deadline:
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        time.sleep(1)


def m_huge(conn, deadline):
    """An endless chunked body of well-formed filler: only a size bound stops it."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
    conn.sendall(b"%x\r\n%s\r\n" % (len(SOAP_HEAD), SOAP_HEAD))
    chunk = b"<pad>" + b"x" * 65000 + b"</pad>"
    sent = 0
    while time.time() < deadline and sent < (1 << 31):
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sent += len(chunk)


def m_huge_length(conn, deadline):
    """Claims 8 GiB up front."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 8589934592\r\n\r\n")
    chunk = b" " * 65536
    while time.time() < deadline:
        conn.sendall(chunk)


def m_wrong_type(conn, deadline):
    conn.sendall(resp(200, HTML.replace(b"503 Service Unavailable", b"Welcome to nginx!"),
                      b"text/html"))


def m_garbage(conn, deadline):
    conn.sendall(resp(200, os.urandom(4096), b"application/octet-stream"))


def m_garbage_http(conn, deadline):
    conn.sendall(os.urandom(2048))


def m_not_soap(conn, deadline):
    conn.sendall(resp(200, b'<?xml version="1.0"?><html><body>hello</body></html>'))


MODES = {n[2:]: f for n, f in globals().items() if n.startswith("m_")}


def wait_closed(conn, deadline):
    conn.settimeout(1)
    while time.time() < deadline:
        try:
            if not conn.recv(4096):
                return
        except socket.timeout:
            continue
        except OSError:
            return


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        d = conn.recv(65536)
        if not d:
            return None
        data += d
        if len(data) > 1 << 20:
            return None
    head, _, body = data.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n"):
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v.strip())
    while len(body) < n:
        d = conn.recv(65536)
        if not d:
            break
        body += d
    return head + b"\r\n\r\n" + body


class HostileServer:
    def __init__(self, mode, conn_seconds=150, directory=None, service_content_first=False):
        self.mode = MODES[mode]
        self.conn_seconds = conn_seconds
        self.sc_first = service_content_first
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-hostile-") if directory is None else None
        d = directory or self.tmp.name
        cert, key, self.thumbprint = tlsutil.make_cert(d)
        self.ctx = tlsutil.server_context(cert, key)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = "https://127.0.0.1:%d/sdk" % self.port
        self.requests = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, raw):
        deadline = time.time() + self.conn_seconds
        conn = None
        try:
            raw.settimeout(self.conn_seconds)
            conn = self.ctx.wrap_socket(raw, server_side=True)
            while time.time() < deadline:
                req = read_request(conn)
                if req is None:
                    break
                self.requests.append(req)
                if self.sc_first and b"RetrieveServiceContent" in req:
                    conn.sendall(resp(200, SERVICE_CONTENT))
                    continue
                self.mode(conn, deadline)
                break
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            for s in (conn, raw):
                try:
                    if s is not None:
                        s.close()
                except OSError:
                    pass

    def close(self):
        self.closed = True
        self.sock.close()
        if self.tmp:
            self.tmp.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True, choices=sorted(MODES))
    ap.add_argument("--conn-seconds", type=float, default=150)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--service-content-first", action="store_true")
    a = ap.parse_args()
    s = HostileServer(a.mode, a.conn_seconds, service_content_first=a.service_content_first)
    print("URL", s.url)
    print("THUMBPRINT", s.thumbprint)
    print("READY", flush=True)
    time.sleep(a.max_seconds)
    s.close()


if __name__ == "__main__":
    main()
