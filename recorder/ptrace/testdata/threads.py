"""A multi-threaded workload with sockets and subprocesses."""
import socket
import subprocess
import threading


def worker(results, i):
    a, b = socket.socketpair()
    a.sendall(b"ping")
    results[i] = b.recv(4)
    a.close()
    b.close()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname())
    conn, _ = srv.accept()
    conn.sendall(b"pong")
    cli.recv(4)
    for s in (conn, cli, srv):
        s.close()
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.close()


results = [None] * 4
threads = [threading.Thread(target=worker, args=(results, i)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
subprocess.run(["/bin/true"], check=True)
out = subprocess.check_output(["/bin/sh", "-c", "echo sub"])
assert out == b"sub\n" and results == [b"ping"] * 4
