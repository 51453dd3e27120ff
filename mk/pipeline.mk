# pipeline.mk: what every phase of the pipeline shares. The phases, each in
# its own fragment, and their per-host stamps:
#   provision  provider-provision -> $(INVENTORY) (+ $(SSH_CONFIG)), $(LAYOUT)   mk/provision.mk
#   deploy     $(RESULTS)/hNN/.deployed   mk/deploy.mk
#   run        $(RESULTS)/hNN/.ran        mk/run.mk   (start-hNN, then go-hNN, for every host)
#   check      $(RESULTS)/hNN/.checked    mk/check.mk  (+ summary.txt)
#   report     $(RESULTS)/report.md       mk/report.mk
#   destroy    stop by PID, provider-destroy, drop stamps   mk/destroy.mk
# A phase redoes only the hosts whose stamp is missing or older than what it
# depends on; `make deploy-h07` redoes one host; `make -q $(RESULTS)/h07/.deployed`
# tells whether h07 is done. Phase wall times go to $(RESULTS)/times.tsv.
# What a host's directory holds is described once, in docs/pipeline.md.
#
# PROVIDER HOOK CONTRACT (mk/local.mk implements it; mk/aws.mk follows it)
# A provider fragment mk/NAME.mk wraps everything in `ifeq ($(PROVIDER),NAME)`
# and defines:
#   provider-provision   writes $(INVENTORY) in the contract's format
#                        `name addr cell lo hi [instance-id public-addr]`
#                        (`cs-inventory -n $(USERS) -c $(HOSTS)` prints it from
#                        addresses on stdin, in cell order); and, when its
#                        transport is ssh, $(SSH_CONFIG) with one `Host hNN`
#                        entry per host (ControlMaster/ControlPersist, the
#                        private hosts reached through a ProxyJump bastion).
#                        It must be idempotent: with the cluster already up it
#                        changes nothing, and it rewrites $(INVENTORY) only when
#                        its content changes (every stamp depends on it).
#                        $(LAYOUT) is written (and checked) before it runs.
#   provider-destroy     idempotent release of everything the provider holds;
#                        runs after the pipeline has stopped every host's
#                        processes (destroy-hNN: `cs-node stop` on each host,
#                        errors ignored), and before $(HOSTS_DIR) is removed.
# and sets, with := inside the guard:
#   PROVIDER_TRANSPORT   the default TRANSPORT (local: local, aws: ssh)
#   PROVIDER_REMOTE_DIR  the host's directory as seen on the host; %h is the
#                        host name (local: $(abspath $(RUN_DIR))/%h, since all
#                        hosts share this machine; aws: cellstress, under the
#                        login's home)
#   PROVIDER_SHIP_RUNTIME  the default SHIP_RUNTIME: 1 when the hosts lack
#                        redis-server or our tools' libraries (aws: a fresh
#                        AMI), 0 when they have them (local); mk/runtime.mk
#   PROVIDER_SHIP        the default SHIP: direct (local), or tree (aws: the
#                        control host sends the archive to h01 only)
#   PROVIDER_SCRAPE_VIA  empty when this machine reaches the hosts' addresses
#                        (local); else the ssh host whose SOCKS proxy
#                        stat-collect scrapes them through (aws: bastion)
#
INVENTORY  = $(HOSTS_DIR)/inventory
SSH_CONFIG = $(HOSTS_DIR)/ssh_config
LAYOUT     = $(HOSTS_DIR)/layout.mk
NAMES     := $(shell seq -f h%02g 1 $(HOSTS) 2>/dev/null)
DEPLOYED   = $(NAMES:%=$(RESULTS)/%/.deployed)
RAN        = $(NAMES:%=$(RESULTS)/%/.ran)
CHECKED    = $(NAMES:%=$(RESULTS)/%/.checked)
PHASE_START := $(shell date +%s.%N)
# $(call before,GOAL): the goals of this run given before GOAL, for the
# phases' order-only prerequisites, so `make -j40 provision deploy ... destroy`
# keeps its order (defined here: mk/*.mk use it while they are read).
goals_before = $(if $(filter $1,$(firstword $2)),,$(if $2,$(firstword $2) $(call goals_before,$1,$(wordlist 2,$(words $2),$2))))
before = $(if $(filter $1,$(MAKECMDGOALS)),$(call goals_before,$1,$(MAKECMDGOALS)))

HOST = $(BIN)/cs-host $(if $(filter 1,$(V)),-v) -t $(TRANSPORT) -F $(SSH_CONFIG) -d '$(REMOTE_DIR)'
REMOTE_DIR ?= $(PROVIDER_REMOTE_DIR)
NODE_OPTS = -s $(SAME) -x $(CROSS) -S $(SEED) -m $(MSGS) -f $(APPENDFSYNC) -t $(STALL)
RESULTS_CMD = $(BIN)/cs-results -r $(RESULTS) -i $(INVENTORY)

PIPELINE_GOALS = provision deploy run check report summary status heal chaos demo monitor \
  $(foreach p,deploy start run check heal status,$(NAMES:%=$p-%))

# The layout guard: a cluster keeps the layout it was provisioned with.
ifneq ($(wildcard $(LAYOUT)),)
LAYOUT_CLASH := $(strip $(foreach v,$(GIVEN),$(if $(LAYOUT_$v),$(if $(filter-out $(LAYOUT_$v),$($v)),$v))))
ifneq ($(LAYOUT_CLASH),)
ifneq ($(filter $(PIPELINE_GOALS),$(MAKECMDGOALS)),)
$(error $(LAYOUT): the cluster is provisioned with $(foreach v,$(LAYOUT_CLASH),$v=$(LAYOUT_$v)); refusing $(foreach v,$(LAYOUT_CLASH),$v=$($v)). Use the same values (or none: they are adopted), or run `make destroy` first to start a new layout)
endif
endif
endif

# Every later phase needs the inventory; with provision among the goals it
# waits for it, otherwise a missing one is an error, not a surprise rental.
$(INVENTORY): $(if $(filter provision,$(MAKECMDGOALS)),| provision)
	@test -f $@ || { echo "$@: no inventory; run make provision first" >&2; exit 1; }
