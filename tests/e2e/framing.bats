#!/usr/bin/env bats
# Request framing (RFC 9112 6.3): a request whose body length is
# ambiguous (several Content-Length fields, a sign, spaces or a list in
# one, Content-Length beside Transfer-Encoding) gets 400 and its
# connection is closed, so what follows is never read as a second
# request.  Raw requests from python3 on the agent port (TLS), the plain
# admin listener and the admin socket.

load helpers

setup() {
	sb_setup
	command -v python3 >/dev/null || skip "python3 is not installed"
}

teardown() {
	sb_teardown
}

# raw KIND HEADERS BODY: send "POST PATH" with the given extra header
# lines (separated by |) and body, then a second pipelined GET of the
# health page; print every status line the server sent until it closed.
raw() {
	python3 - "$@" <<'PY'
import os, re, socket, ssl, sys
kind, headers, body = sys.argv[1], sys.argv[2], sys.argv[3]
T = os.environ["T"]
if kind == "agent":
    ctx = ssl.create_default_context(cafile=T + "/ca/ca.crt")
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(os.environ["C_PORT"]))),
                        server_hostname="localhost")
    path = "/api/v1/health"
elif kind == "admin":
    s = socket.create_connection(("127.0.0.1", int(os.environ["A_PORT"])))
    path = "/api/v1/admin/health"
else:
    s = socket.socket(socket.AF_UNIX)
    s.connect(T + "/admin.sock")
    path = "/api/v1/admin/health"
req = "POST %s HTTP/1.1\r\nHost: x\r\n" % path
for h in headers.split("|"):
    if h:
        req += h + "\r\n"
req += "\r\n" + body
req += "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path
s.sendall(req.encode("latin-1"))
s.settimeout(30)
got = b""
while True:
    try:
        b = s.recv(65536)
    except (ssl.SSLError, ConnectionResetError):
        break
    if not b:
        break
    got += b
for line in re.findall(rb"HTTP/1\.[01] [0-9]{3}[^\r\n]*", got):
    print(line.decode("latin-1"))
PY
}

@test "ambiguous Content-Length or Transfer-Encoding: 400, closed, nothing smuggled" {
	sb_ca
	C_EXTRA=$'[admin]\nlisten = 127.0.0.1:'"${A_PORT:=$(sb_free_port)}"
	export A_PORT
	sb_collector_conf
	sb_start_collector
	export C_PORT T
	for kind in agent admin socket; do
		# A well-framed request and the pipelined one both answered.
		run raw "$kind" "Content-Length: 3" "abc"
		echo "$kind good: ${lines[*]}"
		[ "${#lines[@]}" -eq 2 ]
		[[ "${lines[0]}" != *" 400 "* ]]
		for h in "Content-Length: 3|Content-Length: 40" \
			"Content-Length: 3|Content-Length: 3" \
			"Content-Length: +3" "Content-Length: 3, 3" \
			"Content-Length: -3" "Content-Length: 0x3" "Content-Length: 3 3" \
			"Content-Length: 3|Transfer-Encoding: chunked" \
			"Transfer-Encoding: chunked|Content-Length: 3" \
			"Transfer-Encoding: identity"; do
			run raw "$kind" "$h" "abc"
			echo "$kind [$h]: ${lines[*]}"
			[ "${#lines[@]}" -eq 1 ]
			[[ "${lines[0]}" == "HTTP/1.1 400 "* ]]
		done
	done
	grep -q "refused a request on the agent port from 127.0.0.1:[0-9]*: request has 2 Content-Length fields" "$T/collector.log"
	grep -q "refused a request on the admin socket" "$T/collector.log"
	sb_health
}
