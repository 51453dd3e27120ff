# run.mk: `make run`, in two steps per host. First every host's client is
# started (start-hNN: cs-node start; msgclient runs detached on the host, in
# its own session, so a dropped connection or a killed make leaves it
# running); then each host's log is followed into results/hNN/client.log
# until its client has finished (the .ran stamp). Every start comes before
# any wait, so no host's run depends on another's being scheduled: a client
# finishes only when the clients of the other cells have sent it
# everything, and `make run` without -j, or with every job slot taken,
# still finishes. Running `make run` (or `make run-h03`) again resumes: a
# running client is waited for, a finished one is not run again, a dead one
# is restarted and carries on from the server's state. The phase prints the
# run's wall time (from the first client's start to the last one's end, on
# the hosts).

.PHONY: run run-start $(NAMES:%=run-%) $(NAMES:%=start-%)

run: $(RAN) | $(call before,run)
	$(Q)$(RESULTS_CMD) phase run $(PHASE_START) $(NAMES)

$(NAMES:%=run-%): run-%: $(RESULTS)/%/.ran

# Every host not yet run (no .ran, or one older than its deploy) gets its
# client started before any host's log is followed. RUN_PENDING (read when
# make starts) names the hosts not run yet; with none, no .ran depends on
# the phony run-start, so `make -q` of a finished host's stamp is true.
RUN_PENDING := $(shell for h in $(NAMES); do d=$(RESULTS)/$$h; \
  [ -e $$d/.ran ] && [ -e $$d/.deployed ] && [ ! $$d/.deployed -nt $$d/.ran ] || echo $$h; done)
run-start: $(NAMES:%=start-%)
$(NAMES:%=start-%): start-%: $(RESULTS)/%/.deployed
	$(Q)if [ ! -e $(RESULTS)/$*/.ran ] || [ $< -nt $(RESULTS)/$*/.ran ]; then \
	  echo "[$*] start" && \
	  $(HOST) -p run -e $(RESULTS)/$*/run.err $* node $(NODE_OPTS) start; \
	fi

$(RESULTS)/%/.ran: $(RESULTS)/%/.deployed | $(if $(RUN_PENDING),run-start)
	@echo "[$*] run"
	$(Q)$(HOST) -p run -e $(@D)/run.err -o $(@D)/client.log $* node $(NODE_OPTS) run
	$(Q)sed -n 's/^# msgclient status=0 start=\([0-9.]*\) end=\([0-9.]*\)$$/\1 \2/p' $(@D)/client.log >$(@D)/run.time
	$(Q)test -s $(@D)/run.time && touch $@
