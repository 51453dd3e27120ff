# provision.mk: `make provision`: check and record the layout
# ($(LAYOUT), adopted by every later phase), then the provider's
# provider-provision (mk/local.mk, mk/aws.mk; the hook contract is in
# mk/pipeline.mk) writes the inventory; from it, $(PROMETHEUS_YML): a
# Prometheus scrape config of what stat-collect scrapes, for whoever brings
# their own Prometheus.

.PHONY: provision provision-layout provider-provision provider-destroy

provision: provider-provision
	$(Q)mkdir -p $(NAMES:%=$(RESULTS)/%)
	$(Q)$(BIN)/stat-collect -P -i $(INVENTORY) -t $(STAT_SECS) \
	  $(if $(SCRAPE_VIA),-x socks5h://127.0.0.1:$(SOCKS_PORT)) >$(PROMETHEUS_YML)
	$(Q)$(RESULTS_CMD) phase provision $(PHASE_START) $(NAMES)

provider-provision: provision-layout

provision-layout: all
	$(Q)$(BIN)/cs-inventory -q -n '$(USERS)' -c '$(HOSTS)'
	$(Q)case '$(PROVIDER)' in *[!a-z0-9]*|'') echo "PROVIDER must be a name like local or aws: '$(PROVIDER)'" >&2; exit 1 ;; esac
	$(Q)test -n '$(filter $(PROVIDER),$(PROVIDERS))' || { echo "PROVIDER=$(PROVIDER): not one of $(PROVIDERS)" >&2; exit 1; }
	$(Q)case '$(TRANSPORT)' in local|ssh) ;; *) echo "TRANSPORT must be local or ssh: '$(TRANSPORT)'" >&2; exit 1 ;; esac
	$(Q)mkdir -p $(HOSTS_DIR)
	$(Q)test -f $(LAYOUT) || { echo "# written by make provision: the layout of this cluster (make destroy removes it)"; \
	  $(foreach v,$(LAYOUT_VARS),echo 'LAYOUT_$v := $($v)';) } >$(LAYOUT)
