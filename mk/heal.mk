# heal.mk: operations on a cluster that is up, safe at any time.
#   make heal (heal-hNN)   on each host, start what should run and does not:
#                          redis-server from its own AOF (never a wipe),
#                          cellsrv, and while a run is in progress the client
#                          (it carries on from the server's state); one line
#                          per host says what it restarted, or "all running".
#                          Idempotent; never deletes data; the same over
#                          TRANSPORT=ssh and on aws (a rebooted instance has
#                          its disk but none of its processes).
#   make status (status-hNN)  one line per host: each process up (PID,
#                          uptime) or DOWN, the client running, finished
#                          (with its status) or not started.

.PHONY: heal status $(NAMES:%=heal-%) $(NAMES:%=status-%)

heal: $(NAMES:%=heal-%)
status: $(NAMES:%=status-%)

$(NAMES:%=heal-%): heal-%: $(INVENTORY)
	$(Q)out=$$($(HOST) -p heal $* node $(NODE_OPTS) heal) && echo "[$*] $$out"

$(NAMES:%=status-%): status-%: $(INVENTORY)
	$(Q)out=$$($(HOST) -p status $* node status) && echo "[$*] $$out"
