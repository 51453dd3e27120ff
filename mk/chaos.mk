# chaos.mk: `make chaos [CHAOS_SEED=N]`, a nemesis over a real run, as Jepsen
# runs one: every host's client is started and released, then cs-chaos kills a cellsrv
# (SIGKILL), freezes one (SIGSTOP, 15 s), kills a redis-server (SIGKILL)
# and cuts one peer link between two cells (nftables, 20 s), at times and
# on hosts drawn from CHAOS_SEED, undoing each (make heal's restart, SIGCONT,
# the rule removed); then the run finishes and check gives the verdict.
# Every action with its time goes to $(RESULTS)/chaos.log; what each fault
# cost (stalled seconds, requests per message) to $(RESULTS)/chaos.txt, and
# both into report.md. Run it on a fresh deploy: make provision deploy chaos.

CHAOS_SEED   ?= 1
CHAOS_GAP    ?= 4#                 s: a pause of 1 to CHAOS_GAP+1 s between two faults
CHAOS_DOWN   ?= 5#                 s: a killed cellsrv or redis-server stays down
CHAOS_FREEZE ?= 15#                s: a cellsrv stays frozen (SIGSTOP)
CHAOS_CUT    ?= 20#                s: a peer link stays cut

.PHONY: chaos

chaos: run-go | $(call before,chaos)
	$(Q)if [ -z '$(RUN_PENDING)' ]; then echo "[chaos] the run is done on every host: redeploy first (rm $(RESULTS)/h*/.deployed; make deploy)" >&2; exit 1; fi
	@echo "[chaos] CHAOS_SEED=$(CHAOS_SEED): a nemesis over the run, log in $(RESULTS)/chaos.log"
	$(Q)rm -f $(RESULTS)/chaos.log $(RESULTS)/chaos.txt
	$(Q)$(BIN)/cs-chaos -i $(INVENTORY) -l $(RESULTS)/chaos.log -s '$(CHAOS_SEED)' -g '$(CHAOS_GAP)' \
	  -d '$(CHAOS_DOWN)' -z '$(CHAOS_FREEZE)' -c '$(CHAOS_CUT)' run $(HOST) | sed 's/^[0-9.]* /[chaos] /'
	$(Q)rc=0; $(MAKE) --no-print-directory run check || rc=$$?; \
	  $(BIN)/cs-chaos -l $(RESULTS)/chaos.log -r $(RESULTS) analyze $(NAMES) >$(RESULTS)/chaos.txt.tmp && \
	  mv $(RESULTS)/chaos.txt.tmp $(RESULTS)/chaos.txt && sed 's/^/[chaos] /' $(RESULTS)/chaos.txt; exit $$rc
