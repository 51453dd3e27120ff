# destroy.mk: `make destroy` stops every process the pipeline started, by the
# PIDs recorded on each host (destroy-hNN: cs-node stop, in parallel; errors
# are ignored, V=1 shows them), then provider-destroy releases the provider's
# resources (local: leftover PIDs, the sshd, the host directories; aws: the
# instances and the VPC), then the stamps and $(HOSTS_DIR) go. Results (logs,
# check.txt, summary, report) stay. Idempotent; safe at any time. Listed with
# other goals, it runs after them: `make provision deploy run check destroy`.

.PHONY: destroy $(NAMES:%=destroy-%)

destroy: provider-destroy
	$(Q)rm -f $(wildcard $(RESULTS)/h*/.shipped $(RESULTS)/h*/.deployed $(RESULTS)/h*/.ran $(RESULTS)/h*/.checked)
	$(Q)rm -rf $(HOSTS_DIR)
	@echo "[destroy] done"

provider-destroy: $(NAMES:%=destroy-%)

$(NAMES:%=destroy-%): destroy-%: | $(call before,destroy)
	$(Q)if [ -f $(INVENTORY) ] && grep -q '^$* ' $(INVENTORY); then \
	  echo "[$*] stop"; \
	  $(HOST) -p stop $* node stop $(if $(filter 1,$(V)),,2>/dev/null) || true; \
	fi
