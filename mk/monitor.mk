# monitor.mk: watching a cluster. stat-collect scrapes every host's /metrics
# (cellsrv on 9500, msgclient on 9503 during a run) every STAT_SECS, all
# at once, each scrape bounded, one line per host per tick
# (docs/tools.md#stat-collect). Three things read those lines:
#   make monitor    the live grid (stat-monitor, redrawn every STAT_SECS): it
#                   follows the recording while `make run` makes one, else
#                   it scrapes on its own; Ctrl-C ends it
#   make run        records them to $(STATS) and prints the progress line
#                   (mk/run.mk, cs-record)
#   make report     draws them (mk/report.mk, stat-report)
# Hosts without an address this machine can reach (aws: a private subnet)
# are scraped through a SOCKS proxy, `ssh -D`, through $(SCRAPE_VIA) (aws:
# the bastion): cs-host's socks wrapper.

STAT_SECS  ?= 3#                 s between scrapes (and redraws)
STATS_MAX  ?= 134217728#         bytes a recording may reach (it is merged, never cut)
PROGRESS   ?= 10#                s between make run's progress lines (0: none)
SOCKS_PORT ?= 9599#              SCRAPE_VIA: the SOCKS proxy's port on this machine
SCRAPE_VIA ?= $(PROVIDER_SCRAPE_VIA)# the host the scrapes go through (aws: bastion)

STATS  = $(RESULTS)/stats.tsv
SCRAPE = $(if $(SCRAPE_VIA),$(HOST) $(SCRAPE_VIA) socks $(SOCKS_PORT)) \
  $(BIN)/stat-collect -i $(INVENTORY) -t $(STAT_SECS) $(if $(SCRAPE_VIA),-x socks5h://127.0.0.1:$(SOCKS_PORT))
PROMETHEUS_YML = $(RESULTS)/prometheus.yml

.PHONY: monitor

monitor: $(INVENTORY) | $(TOOLS) $(SCRIPTS)
	$(Q)if $(BIN)/cs-record -o $(STATS) status; then \
	  tail -n $$(( $(HOSTS) * 3 + 1 )) -F $(STATS) 2>/dev/null | $(BIN)/stat-monitor -r $(STAT_SECS); \
	else \
	  $(SCRAPE) | $(BIN)/stat-monitor -r $(STAT_SECS); \
	fi
