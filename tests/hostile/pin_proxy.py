#!/usr/bin/python3
"""A recording TLS proxy for pin tests: it terminates TLS with a certificate of its own choosing
per connection, records every byte the client sends after the handshake, and forwards the bytes
to an upstream HTTPS server (the lab), so a login can complete when the client chose to talk.

    with PinProxy(upstream="127.0.0.1:PORT", certs=[(cert, key), ...]) as p:
        p.url, p.thumbprints[i], p.connections  # [(cert index, bytes received), ...]

`pick(n)` chooses the certificate of the n-th connection (0-based; default: always the first),
so a test can present the pinned certificate first and another one afterwards; with
`switch_on=b"..."`, every connection after a request holding those bytes shows certificate 1. Responses have
the upstream's port replaced by the proxy's (the lab names itself in guest transfer URLs), so
those downloads come back through the proxy too."""
import os
import select
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlsutil  # noqa: E402


class PinProxy:
    def __init__(self, upstream, certs, pick=None, forward=True, switch_on=None):
        self.upstream = upstream
        self.ctxs = [tlsutil.server_context(c, k) for c, k in certs]
        self.thumbprints = [tlsutil.thumbprint(c) for c, _ in certs]
        self.pick = pick or (lambda n: 0)
        self.forward = forward
        # Once a request holding these bytes went through, new connections show certificate 1.
        self.switch_on = switch_on
        self.switched_at = None    # connections accepted when the switch happened
        self.lock = threading.Lock()
        self.connections = []      # [cert index, bytes received] per handshake that ended
        self.received = []         # (cert index, bytes) as they came
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.host = "127.0.0.1:%d" % self.port
        self.url = "https://%s/sdk" % self.host
        self.stopping = False
        self.accepted = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def bytes_to(self, index):
        """Bytes received on connections that showed certificate `index`."""
        with self.lock:
            return sum(n for i, n in self.connections if i == index)

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            n = self.accepted
            self.accepted += 1
            threading.Thread(target=self._serve, args=(conn, n), daemon=True).start()

    def _serve(self, raw, n):
        index = 1 if self.switched_at is not None else self.pick(n)
        raw.settimeout(30)
        try:
            tls = self.ctxs[index].wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()   # the client refused our certificate in the handshake
            return
        with self.lock:
            self.connections.append([index, 0])
            slot = len(self.connections) - 1
        up = None
        mine = str(self.port).encode()
        theirs = self.upstream.rsplit(":", 1)[1].encode()
        try:
            if self.forward:
                host, port = self.upstream.rsplit(":", 1)
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                up = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=30))
            # One thread per connection: an ssl socket must not be read and written at once.
            socks = [tls] + ([up] if up else [])
            while True:
                ready = [s for s in socks if s.pending()]
                if not ready:
                    ready, _, _ = select.select(socks, [], [], 30)
                    if not ready:
                        break
                done = False
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        done = True
                        break
                    if s is tls:
                        with self.lock:
                            self.connections[slot][1] += len(data)
                            self.received.append((index, data))
                            if (self.switch_on and self.switched_at is None and
                                    self.switch_on in data):
                                self.switched_at = self.accepted
                        if up:
                            up.sendall(data)
                    else:
                        if len(mine) == len(theirs):
                            data = data.replace(b":" + theirs + b"/", b":" + mine + b"/")
                        tls.sendall(data)
                if done:
                    break
        except (ssl.SSLError, OSError):
            pass
        finally:
            for s in (tls, up):
                try:
                    if s:
                        s.close()
                except OSError:
                    pass

    def stop(self):
        self.stopping = True
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
