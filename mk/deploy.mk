# deploy.mk: `make deploy`, per host in parallel: ship the archive of bin/
# (mk/runtime.mk) and the inventory, then on the host (cs-node deploy) start
# redis-server, load the host's cell and start cellsrv. A failure prints
# "[h07] deploy failed: REASON"; results/h07/deploy.err holds the rest.
# SHIP=direct sends the archive from here to every host (cs-host ship, in
# the .deployed recipe); SHIP=tree sends it to h01 only (cs-host put), and
# every other host reads it from its parent (cs-host fetch), each host's
# ship its own stamp .shipped so make -j runs the tree level by level.
# What each step does and why fan-out 3: docs/pipeline.md#how-the-archive-travels-ship,
# docs/rationale.md.

.PHONY: deploy $(NAMES:%=deploy-%)

ifeq ($(filter direct tree,$(SHIP)),)
$(error SHIP must be direct or tree: '$(SHIP)')
endif

deploy: $(DEPLOYED) | $(call before,deploy)
	$(Q)$(RESULTS_CMD) phase deploy $(PHASE_START) $(NAMES)

$(NAMES:%=deploy-%): deploy-%: $(RESULTS)/%/.deployed

# $(call deploy_host,SHIP_STEP): the host's deploy, timed into deploy.time:
# SHIP_STEP (direct: cs-host ship, ending in &&; tree: empty, shipped by
# .shipped), then cs-node deploy there (redis, load, cellsrv).
define deploy_host
	@mkdir -p $(@D)
	@echo "[$*] deploy"
	$(Q)t0=$$(date +%s.%N) && \
	  $1 \
	  $(HOST) -p deploy -e $(@D)/deploy.err -o $(@D)/deploy.txt $* node $(NODE_OPTS) deploy && \
	  echo "$$t0 $$(date +%s.%N)" >$(@D)/deploy.time
endef

ifeq ($(SHIP),tree)
# "child:parent" for every host but h01 (one shell for all of them).
ifneq ($(shell [ '$(FANOUT)' -ge 1 ] 2>/dev/null && echo ok),ok)
$(error FANOUT must be a number of 1 or more: '$(FANOUT)')
endif
TREE := $(shell k=2; while [ $$k -le $(HOSTS) ]; do printf 'h%02d:h%02d ' $$k $$(( (k - 2) / $(FANOUT) + 1 )); k=$$((k + 1)); done)

# tree_edge CHILD PARENT: CHILD fetches from PARENT when PARENT is not
# deployed yet (so ships in this make), after PARENT's ship.
define tree_edge
ifeq ($(wildcard $(RESULTS)/$2/.deployed),)
TREE_FROM_$1 := $2
$(RESULTS)/$1/.shipped: | $(RESULTS)/$2/.shipped
endif
endef
$(foreach e,$(TREE),$(eval $(call tree_edge,$(firstword $(subst :, ,$e)),$(lastword $(subst :, ,$e)))))

.SECONDARY: $(NAMES:%=$(RESULTS)/%/.shipped)

# Prints "[h05] ship: from h02" (or "from the control host", or why it
# fell back to it); results/h05/ship.txt keeps that line.
# (mk/runtime.mk adds the archive and its sha256 as order-only prerequisites.)
$(RESULTS)/%/.shipped: $(INVENTORY) | $(TOOLS) $(SCRIPTS)
	@mkdir -p $(@D)
	$(Q)t0=$$(date +%s.%N); $(HOST) -p deploy -e $(@D)/ship.err -o $(@D)/ship.txt $* \
	  $(if $(TREE_FROM_$*),fetch $(TREE_FROM_$*),put) $(SHIP_TAR) $(INVENTORY) \
	  $(if $(filter %:$*,$(TREE)),$(SERVE_IDLE),0); rc=$$?; cat $(@D)/ship.txt; \
	  [ $$rc = 0 ] && echo "$$t0 $$(date +%s.%N)" >$(@D)/ship.time; exit $$rc
	$(Q)touch $@

$(RESULTS)/%/.deployed: $(INVENTORY) $(RESULTS)/%/.shipped | $(TOOLS) $(SCRIPTS)
	$(call deploy_host,)
	$(Q)touch $@ && rm -f $(@D)/.shipped
else
$(RESULTS)/%/.deployed: $(INVENTORY) | $(TOOLS) $(SCRIPTS)
	$(call deploy_host,$(HOST) -p deploy -e $(@D)/deploy.err $* ship $(SHIP_TAR) $(INVENTORY) &&)
	$(Q)touch $@
endif
