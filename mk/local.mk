# local.mk: PROVIDER=local, the default and what `make demo` and the tests
# use. Host N is the loopback address $(NET).$(FIRST+N-1) with the directory
# $(RUN_DIR)/hNN standing for its disk. TRANSPORT=local runs a host's commands
# in that directory; TRANSPORT=ssh goes through a real sshd on loopback
# (cs-sshd: its own keys and config under $(STATE)/ssh, running as you).

ifeq ($(PROVIDER),local)
PROVIDER_TRANSPORT  := local
PROVIDER_SHIP_RUNTIME := 0#       the hosts are this machine: bin/ as it is
PROVIDER_SHIP := direct#           the bytes cross no network
PROVIDER_REMOTE_DIR := $(abspath $(RUN_DIR))/%h
SSHD = $(BIN)/cs-sshd -d $(STATE)/ssh -i $(INVENTORY) -c $(SSH_CONFIG) -p $(SSH_PORT)

provider-provision:
	@echo "[provision] $(HOSTS) hosts at $(NET).$(FIRST)..., $(USERS) users, TRANSPORT=$(TRANSPORT)"
	$(Q)$(BIN)/cs-inventory -n '$(USERS)' -c '$(HOSTS)' -a '$(NET)' -f '$(FIRST)' >$(INVENTORY).tmp
	$(Q)if cmp -s $(INVENTORY).tmp $(INVENTORY); then rm -f $(INVENTORY).tmp; else mv $(INVENTORY).tmp $(INVENTORY); fi
	$(Q)mkdir -p $(NAMES:%=$(RUN_DIR)/%)
ifeq ($(TRANSPORT),ssh)
	$(Q)$(SSHD) start
endif

# Stop what the hosts' pid files still name (the per-host stop over the
# transport may have failed, e.g. with sshd gone), then sshd, then the disks.
provider-destroy:
	$(Q)for d in $(wildcard $(RUN_DIR)/h*); do \
	  test -d $$d/pid && (cd $$d && $(abspath $(BIN))/cs-node -n $${d##*/} stop); \
	done; true
	$(Q)if [ -d $(STATE)/ssh ]; then $(SSHD) stop; fi
	$(Q)rm -rf $(RUN_DIR)
endif
