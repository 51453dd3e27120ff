# demo.mk: `make demo` runs the seed's whole test on this machine with the
# defaults (PROVIDER=local): build, provision deploy run check report (in
# parallel, one job per host unless -j was given), then destroy, and print
# the verdict again as the last line. KEEP=1 keeps the cluster up for poking at it; `make destroy` ends it.

.PHONY: demo

DEMO_J = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(HOSTS))

demo: all
	@echo "[demo] PROVIDER=$(PROVIDER) TRANSPORT=$(TRANSPORT) HOSTS=$(HOSTS) USERS=$(USERS) SAME=$(SAME) CROSS=$(CROSS) MSGS=$(MSGS)"
	$(Q)rc=0; \
	$(MAKE) --no-print-directory $(DEMO_J) provision deploy run check report || { rc=1; \
	  $(MAKE) --no-print-directory summary >/dev/null 2>&1 || true; }; \
	if [ "$(KEEP)" = 1 ]; then \
	  echo "[demo] KEEP=1: the cluster stays up; try  curl http://$(NET).$(FIRST):9500/api/user/42  and  make destroy  when done"; \
	else \
	  $(MAKE) --no-print-directory $(DEMO_J) destroy || rc=1; \
	fi; \
	if [ -s $(RESULTS)/summary.txt ]; then sed -n '$$s/^/[summary] /p' $(RESULTS)/summary.txt; fi; \
	exit $$rc
