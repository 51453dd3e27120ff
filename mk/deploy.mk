# deploy.mk: `make deploy`, per host in parallel: ship bin/ (SHIP_RUNTIME=1:
# the runtime of mk/runtime.mk, with redis-server and lib/), as the archive
# mk/runtime.mk builds once for every host, and the inventory,
# then on the host (cs-node deploy) stop what an earlier deploy left, start
# redis-server on addr:7379 (AOF, appendfsync $(APPENDFSYNC)), generate and
# load the host's cell there (gen-users -k | redis-bulkload), start cellsrv
# and wait until /healthz answers. A failure prints
# "[h07] deploy failed: REASON"; results/h07/deploy.err holds the rest.

.PHONY: deploy $(NAMES:%=deploy-%)

deploy: $(DEPLOYED) | $(call before,deploy)
	$(Q)$(RESULTS_CMD) phase deploy $(PHASE_START) $(NAMES)

$(NAMES:%=deploy-%): deploy-%: $(RESULTS)/%/.deployed

$(RESULTS)/%/.deployed: $(INVENTORY) | $(TOOLS) $(SCRIPTS)
	@mkdir -p $(@D)
	@echo "[$*] deploy"
	$(Q)t0=$$(date +%s.%N) && \
	  $(HOST) -p deploy -e $(@D)/deploy.err $* ship $(SHIP_TAR) $(INVENTORY) && \
	  $(HOST) -p deploy -e $(@D)/deploy.err -o $(@D)/deploy.txt $* node $(NODE_OPTS) deploy && \
	  echo "$$t0 $$(date +%s.%N)" >$(@D)/deploy.time
	$(Q)touch $@
