# run.mk: `make run`, in three steps per host. First every host's client is
# started (start-hNN: cs-node start; msgclient runs detached on the host, in
# its own session, so a dropped connection or a killed make leaves it
# running), armed: it sends nothing yet. Once all are started, each is
# given one release time (go-hNN: cs-node go TIME), as far ahead as the
# starting took plus a second, so that they begin together: none waits on
# a cell whose client is not started yet, and no release is starved by
# clients already running (released one after another on 40 loopback hosts,
# the last was 89 s late). Then
# each host's log is followed into results/hNN/client.log until its client
# has finished (the .ran stamp). Every start comes before
# any wait, so no host's run depends on another's being scheduled: a client
# finishes only when the clients of the other cells have sent it
# everything, and `make run` without -j, or with every job slot taken,
# still finishes. Running `make run` (or `make run-h03`) again resumes: a
# running client is waited for, a finished one is not run again, a dead one
# is restarted and carries on from the server's state. The phase prints the
# run's wall time (from the first client's start to the last one's end, on
# the hosts).
#
# Meanwhile it is recorded (mk/monitor.mk): before the first client starts,
# run-record starts stat-collect in the background (cs-record), its lines
# kept in $(STATS) by stat-record, which prints every PROGRESS s one line for
# the whole cluster: `[run] 43% 64.2M/148.7M msgs, 21.3k msgs/s, ETA 66 min,
# h07 down`. The run's recipe, after the last client has ended, stops it; so
# does the end of this make, whatever ends it (stat-collect -w: make's PID),
# so a failed or interrupted run leaves nothing behind and `make run` again
# appends to the same recording. The totals come from each host's deploy.txt
# (relations x MSGS), hosts already run counting as done
# ($(RESULTS)/expected.tsv, written once every host is deployed).

.PHONY: run run-start run-t0 run-go-at run-go run-record run-expected $(NAMES:%=run-%) $(NAMES:%=start-%) $(NAMES:%=go-%)

run: $(RAN) | $(call before,run)
	$(Q)$(BIN)/cs-record -o $(STATS) stop
	$(Q)$(RESULTS_CMD) phase run $(PHASE_START) $(NAMES)

$(NAMES:%=run-%): run-%: $(RESULTS)/%/.ran

# Every host not yet run (no .ran, or one older than its deploy) gets its
# client started before any host's log is followed. RUN_PENDING (read when
# make starts) names the hosts not run yet; with none, no .ran depends on
# the phony run-start, so `make -q` of a finished host's stamp is true.
RUN_PENDING := $(shell for h in $(NAMES); do d=$(RESULTS)/$$h; \
  [ -e $$d/.ran ] && [ -e $$d/.deployed ] && [ ! $$d/.deployed -nt $$d/.ran ] || echo $$h; done)
run-start: $(NAMES:%=start-%)
$(NAMES:%=start-%): start-%: $(RESULTS)/%/.deployed | run-record run-t0
	$(Q)if [ ! -e $(RESULTS)/$*/.ran ] || [ $< -nt $(RESULTS)/$*/.ran ]; then \
	  echo "[$*] start" && \
	  $(HOST) -p run -e $(RESULTS)/$*/run.err $* node $(NODE_OPTS) start; \
	fi
# The release time: now + (now - when the starting began) + 1 s, in
# $(RESULTS)/go.at (this machine's clock; the hosts' must agree to a second).
run-t0: $(DEPLOYED)
	$(Q)date +%s.%N >$(RESULTS)/start.t0
run-go-at: | run-start
	$(Q)awk -v t0="$$(cat $(RESULTS)/start.t0)" -v t="$$(date +%s.%N)" \
	  'BEGIN { printf "%.3f\n", t + (t - t0) + 1 }' >$(RESULTS)/go.at
run-go: $(NAMES:%=go-%)
$(NAMES:%=go-%): go-%: $(RESULTS)/%/.deployed | run-go-at
	$(Q)if [ ! -e $(RESULTS)/$*/.ran ] || [ $< -nt $(RESULTS)/$*/.ran ]; then \
	  $(HOST) -p run -e $(RESULTS)/$*/run.err $* node $(NODE_OPTS) go "$$(cat $(RESULTS)/go.at)"; \
	fi

# $$PPID: this make, whose end ends the recording.
run-record: $(INVENTORY) | $(TOOLS) $(SCRIPTS)
	$(Q)$(BIN)/cs-record -o $(STATS) -M $(STATS_MAX) -p $(PROGRESS) -e $(RESULTS)/expected.tsv \
	  -w $$PPID start $(SCRAPE)

# The progress line's totals, once every host is deployed (stat-record
# reads the file again when it changes): "host messages finished(0|1)".
run-expected: $(DEPLOYED)
	$(Q)for h in $(NAMES); do d=$(RESULTS)/$$h; \
	  r=$$(sed -n 's/.* relations=\([0-9][0-9]*\).*/\1/p' $$d/deploy.txt 2>/dev/null | tail -n 1); \
	  f=0; [ -e $$d/.ran ] && [ ! $$d/.deployed -nt $$d/.ran ] && f=1; \
	  [ -n "$$r" ] && echo "$$h $$((r * $(MSGS))) $$f"; \
	done >$(RESULTS)/expected.tsv.tmp; mv $(RESULTS)/expected.tsv.tmp $(RESULTS)/expected.tsv

$(RESULTS)/%/.ran: $(RESULTS)/%/.deployed | $(if $(RUN_PENDING),run-go run-expected)
	@echo "[$*] run"
	$(Q)$(HOST) -p run -e $(@D)/run.err -o $(@D)/client.log $* node $(NODE_OPTS) run
	$(Q)sed -n 's/^# msgclient status=0 start=\([0-9.]*\) end=\([0-9.]*\)$$/\1 \2/p' $(@D)/client.log >$(@D)/run.time
	$(Q)test -s $(@D)/run.time && touch $@
