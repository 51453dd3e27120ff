# run.mk: `make run`, per host in parallel: msgclient runs detached on the
# host (cs-node run: its own session, so a dropped connection or a killed
# make leaves it running) and its log is followed into results/hNN/client.log
# until it has finished. Running `make run` again resumes: a running client
# is waited for, a finished one is not run again, a dead one is restarted and
# carries on from the server's state. The phase prints the run's wall time
# (from the first client's start to the last one's end, on the hosts).

.PHONY: run $(NAMES:%=run-%)

run: $(RAN) | $(call before,run)
	$(Q)$(RESULTS_CMD) phase run $(PHASE_START) $(NAMES)

$(NAMES:%=run-%): run-%: $(RESULTS)/%/.ran

$(RESULTS)/%/.ran: $(RESULTS)/%/.deployed
	@echo "[$*] run"
	$(Q)$(HOST) -p run -e $(@D)/run.err -o $(@D)/client.log $* node $(NODE_OPTS) run
	$(Q)sed -n 's/^# msgclient status=0 start=\([0-9.]*\) end=\([0-9.]*\)$$/\1 \2/p' $(@D)/client.log >$(@D)/run.time
	$(Q)test -s $(@D)/run.time && touch $@

# `make status`: what runs on each host (cs-node status: redis, cellsrv and
# msgclient by their recorded PIDs, and the client's exit status when done).
.PHONY: status
status: $(INVENTORY)
	$(Q)for h in $(NAMES); do $(HOST) $$h node status 2>&1 || echo "$$h unreachable"; done
