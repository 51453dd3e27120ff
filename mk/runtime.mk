# runtime.mk: what deploy ships to a host. SHIP_RUNTIME=0 (PROVIDER=local's
# default): $(BIN) as it is — the host is this machine, or has redis-server
# and our libraries installed. SHIP_RUNTIME=1 (PROVIDER=aws's default: a fresh
# Debian AMI has neither redis-server nor libevent, hiredis, jansson...):
# $(RUNTIME), built here from this machine (the hosts run its distribution):
#   cs-node and the tools it runs     $(RUNTIME_TOOLS), copies of $(BIN)'s
#   redis-server, redis-cli           this machine's (REDIS_SERVER=, REDIS_CLI=
#                                     name others), symlinks resolved
#   lib/                              every shared library those ELFs need per
#                                     ldd, glibc's own excepted (cs-runtime)
# On the host, cs-node runs bin/redis-server and bin/redis-cli when they are
# there, and puts bin/lib first in LD_LIBRARY_PATH when it is there.
#
# $(RUNTIME_STAMP) is rebuilt when a tool, the redis programs found or any
# library copied changes ($(BUILD)/runtime.d, written by the build, lists
# the real paths of the system's files, like -MMD does for headers). The build goes into a fresh
# mktemp directory and replaces $(RUNTIME) only when it is complete.

RUNTIME       = $(BUILD)/runtime
RUNTIME_STAMP = $(BUILD)/runtime.stamp
RUNTIME_TOOLS = cs-node gen-users rg-split redis-bulkload cellsrv msgclient checkdb
REDIS_SERVER ?=#                  empty: redis-server from PATH
REDIS_CLI    ?=#                  empty: redis-cli from PATH

ifneq ($(filter-out 0 1,$(SHIP_RUNTIME)),)
$(error SHIP_RUNTIME must be 0 or 1: '$(SHIP_RUNTIME)')
endif

# What deploy ships (mk/deploy.mk); with 1 every host's deploy waits for the
# runtime (order-only, as for the tools: a rebuild does not redo a deployed
# host, `rm results/h*/.deployed` does).
SHIP_DIR = $(if $(filter 1,$(SHIP_RUNTIME)),$(RUNTIME),$(BIN))
ifeq ($(SHIP_RUNTIME),1)
$(DEPLOYED): | $(RUNTIME_STAMP)
endif

.PHONY: runtime FORCE
runtime: $(RUNTIME_STAMP)
# make test builds it first, so that no test's make builds it meanwhile.
test: $(RUNTIME_STAMP)

# redis-server=PATH redis-cli=PATH: the redis programs to ship.
RUNTIME_REDIS = redis-server=$(or $(REDIS_SERVER),$$(command -v redis-server)) redis-cli=$(or $(REDIS_CLI),$$(command -v redis-cli))

$(RUNTIME_STAMP): $(RUNTIME_TOOLS:%=$(BIN)/%) $(BIN)/cs-runtime mk/runtime.mk
	@$(if $(Q),echo "  RUNTIME $(RUNTIME)")
	$(Q)from="$(RUNTIME_REDIS)" && case "$$from " in *"= "*) echo "runtime: no redis-server or redis-cli on PATH (make deps installs them)" >&2; exit 1 ;; esac; \
	  d=$$(mktemp -d $(RUNTIME).XXXXXX) && chmod 755 $$d && \
	  { $(BIN)/cs-runtime build $$d $(RUNTIME_TOOLS:%=$(BIN)/%) $$from >$$d.files || { rm -rf $$d $$d.files; exit 1; }; } && \
	  awk -v bin='$(abspath $(BIN))/' 'index($$0, bin) != 1' $$d.files | sort -u >$$d.sys && \
	  { echo "RUNTIME_BUILT_FROM := $$from"; echo '$$(RUNTIME_STAMP): \'; sed 's/$$/ \\/' $$d.sys; echo; sed 's/$$/:/' $$d.sys; } >$$d.dep && \
	  rm -rf $(RUNTIME) && mv $$d $(RUNTIME) && mv $$d.dep $(BUILD)/runtime.d && rm -f $$d.files $$d.sys
	$(Q)touch $@

# The last build's redis programs and the system files it copied; other
# redis programs now (PATH, REDIS_SERVER=, REDIS_CLI=) rebuild it.
-include $(BUILD)/runtime.d
ifdef RUNTIME_BUILT_FROM
ifneq ($(shell echo "$(RUNTIME_REDIS)"),$(RUNTIME_BUILT_FROM))
$(RUNTIME_STAMP): FORCE
endif
endif
