# gen/common.sh - shell helpers of tests/mta/gen/*.sh (sourced, POSIX sh)
#
#   alive PID              running and not a zombie
#   stop_pidfile FILE [S]  SIGTERM to the pid in FILE, wait S seconds
#                          (default 10), then SIGKILL; removes FILE
#   wait_smtp ADDR [S]     wait until something accepts TCP on ADDR:25
#                          (default 15 s); false on timeout
# Nothing here starts a process or touches anything outside its arguments.

alive() {
	[ -n "$1" ] && [ -r "/proc/$1/status" ] &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

stop_pidfile() {
	[ -f "$1" ] || return 0
	_p=$(tr -dc 0-9 <"$1")
	rm -f "$1"
	[ -n "$_p" ] && alive "$_p" || return 0
	kill -TERM "$_p" 2>/dev/null
	_n=0
	while alive "$_p"; do
		_n=$((_n + 1))
		if [ $_n -gt $((${2:-10} * 10)) ]; then
			kill -KILL "$_p" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	return 0
}

wait_smtp() {
	_n=0
	until python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], 25), 1).close()' "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -lt $((${2:-15} * 10)) ] || return 1
		sleep 0.1
	done
}
