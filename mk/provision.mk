# provision.mk: `make provision`, the layout guard, and the pipeline's shared
# rules. The phases and their per-host stamps:
#   provision  provider-provision -> $(INVENTORY) (+ $(SSH_CONFIG)), $(LAYOUT)
#   deploy     $(RESULTS)/hNN/.deployed   mk/deploy.mk
#   run        $(RESULTS)/hNN/.ran        mk/run.mk
#   check      $(RESULTS)/hNN/.checked    mk/check.mk  (+ summary.txt)
#   report     $(RESULTS)/report.md       mk/report.mk
#   destroy    stop by PID, provider-destroy, drop stamps   mk/destroy.mk
# A phase redoes only the hosts whose stamp is missing or older than what it
# depends on; `make deploy-h07` redoes one host; `make -q $(RESULTS)/h07/.deployed`
# tells whether h07 is done. Phase wall times go to $(RESULTS)/times.tsv.
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
#
# WHAT A HOST SEES (cs-host ships, cs-node acts; both in bin/)
# deploy ships $(BIN_TAR), the archive of $(BIN) as bin/, and a tar of the
# inventory into REMOTE_DIR, one gzip stream extracted by `tar -xzi` there
# (SHIP_RUNTIME=1: $(RUNTIME_TAR), of $(RUNTIME); both built once by
# mk/runtime.mk; the host's old bin/ is removed first, so it holds exactly
# what was shipped):
# over `ssh -F $(SSH_CONFIG) hNN` (one ControlMaster connection per host)
# for TRANSPORT=ssh, through a local pipe for TRANSPORT=local. Then in
# REMOTE_DIR: bin/ inventory; redis/ (redis-server's AOF dir and redis.log);
# pid/redis.pid pid/cellsrv.pid pid/msgclient.pid (each its own session and
# process group, so `cs-node stop` ends it and its children by PID);
# log/load.log log/cellsrv.log log/msgclient.log; msgclient.start and
# msgclient.rc ("STATUS END") when the client has finished. SHIP=tree
# (mk/deploy.mk): the archive reaches h01 from here (cs-host put) and every
# other host from its parent (cs-host fetch), and stays in ship/bin.tar.gz
# (+ .sha256); a host with children serves it on addr:9502 (cs-serve,
# pid/cs-serve.pid, log ship/serve.log) until idle or stopped.

.PHONY: provision provision-layout provider-provision provider-destroy

PIPELINE_GOALS = provision deploy run check report summary status demo $(foreach p,deploy start run check,$(NAMES:%=$p-%))

# The layout guard: a cluster keeps the layout it was provisioned with.
ifneq ($(wildcard $(LAYOUT)),)
LAYOUT_CLASH := $(strip $(foreach v,$(GIVEN),$(if $(LAYOUT_$v),$(if $(filter-out $(LAYOUT_$v),$($v)),$v))))
ifneq ($(LAYOUT_CLASH),)
ifneq ($(filter $(PIPELINE_GOALS),$(MAKECMDGOALS)),)
$(error $(LAYOUT): the cluster is provisioned with $(foreach v,$(LAYOUT_CLASH),$v=$(LAYOUT_$v)); refusing $(foreach v,$(LAYOUT_CLASH),$v=$($v)). Use the same values (or none: they are adopted), or run `make destroy` first to start a new layout)
endif
endif
endif

HOST = $(BIN)/cs-host $(if $(filter 1,$(V)),-v) -t $(TRANSPORT) -F $(SSH_CONFIG) -d '$(REMOTE_DIR)'
REMOTE_DIR ?= $(PROVIDER_REMOTE_DIR)
NODE_OPTS = -s $(SAME) -x $(CROSS) -S $(SEED) -m $(MSGS) -f $(APPENDFSYNC) -t $(STALL)
RESULTS_CMD = $(BIN)/cs-results -r $(RESULTS) -i $(INVENTORY)

provision: provider-provision
	$(Q)mkdir -p $(NAMES:%=$(RESULTS)/%)
	$(Q)$(RESULTS_CMD) phase provision $(PHASE_START) $(NAMES)

provider-provision: provision-layout

provision-layout: all
	$(Q)$(BIN)/cs-inventory -q -n '$(USERS)' -c '$(HOSTS)'
	$(Q)case '$(PROVIDER)' in *[!a-z0-9]*|'') echo "PROVIDER must be a name like local or aws: '$(PROVIDER)'" >&2; exit 1 ;; esac
	$(Q)test -f mk/$(PROVIDER).mk || { echo "PROVIDER=$(PROVIDER): no mk/$(PROVIDER).mk" >&2; exit 1; }
	$(Q)case '$(TRANSPORT)' in local|ssh) ;; *) echo "TRANSPORT must be local or ssh: '$(TRANSPORT)'" >&2; exit 1 ;; esac
	$(Q)mkdir -p $(HOSTS_DIR)
	$(Q)test -f $(LAYOUT) || { echo "# written by make provision: the layout of this cluster (make destroy removes it)"; \
	  $(foreach v,$(LAYOUT_VARS),echo 'LAYOUT_$v := $($v)';) } >$(LAYOUT)

# Every later phase needs the inventory; with provision among the goals it
# waits for it, otherwise a missing one is an error, not a surprise rental.
$(INVENTORY): $(if $(filter provision,$(MAKECMDGOALS)),| provision)
	@test -f $@ || { echo "$@: no inventory; run make provision first" >&2; exit 1; }
