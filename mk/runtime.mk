# runtime.mk: what deploy ships to a host, as one archive built once per
# build: $(BIN_TAR) of $(BIN) (SHIP_RUNTIME=0), or $(RUNTIME_TAR) of
# $(RUNTIME) (SHIP_RUNTIME=1: the host tools, this machine's redis-server
# and redis-cli, and lib/ with every shared library they need but glibc's,
# made by cs-runtime). What the host does with it, and why gzip:
# docs/pipeline.md#what-deploy-ships, docs/rationale.md.
#
# $(RUNTIME_STAMP) is rebuilt when a tool, the redis programs found or any
# library copied changes ($(BUILD)/runtime.d lists the system's files, as
# -MMD does for headers). The build goes into a fresh mktemp directory and
# replaces $(RUNTIME) only when it is complete.

RUNTIME       = $(BUILD)/runtime
RUNTIME_STAMP = $(BUILD)/runtime.stamp
RUNTIME_TOOLS = cs-node cs-serve gen-users rg-split redis-bulkload cellsrv msgclient checkdb
REDIS_SERVER ?=#                  empty: redis-server from PATH
REDIS_CLI    ?=#                  empty: redis-cli from PATH

ifneq ($(filter-out 0 1,$(SHIP_RUNTIME)),)
$(error SHIP_RUNTIME must be 0 or 1: '$(SHIP_RUNTIME)')
endif

# What deploy ships (mk/deploy.mk): every host's deploy waits for the archive
# (order-only, as for the tools: a rebuild does not redo a deployed host,
# `rm results/h*/.deployed` does); make builds it once for all of them.
RUNTIME_TAR = $(BUILD)/runtime.tar.gz
BIN_TAR     = $(BUILD)/bin.tar.gz
SHIP_TAR    = $(if $(filter 1,$(SHIP_RUNTIME)),$(RUNTIME_TAR),$(BIN_TAR))
$(DEPLOYED): | $(SHIP_TAR)
ifeq ($(SHIP),tree)
$(NAMES:%=$(RESULTS)/%/.shipped): | $(SHIP_TAR) $(SHIP_TAR).sha256
endif

# Each archive's sha256 ("HEX  NAME", as sha256sum prints it), computed
# once per build of the archive: SHIP=tree hands it to every host, which
# checks the archive it got from its parent against it (cs-host fetch).
$(RUNTIME_TAR).sha256 $(BIN_TAR).sha256: %.sha256: %
	$(Q)sum=$$(sha256sum <$<) && echo "$${sum%% *}  $(notdir $<)" >$@.tmp && mv -f $@.tmp $@

.PHONY: runtime FORCE
runtime: $(RUNTIME_TAR)
# make test builds them first, so that no test's make builds them meanwhile.
test: $(RUNTIME_TAR) $(BIN_TAR) $(RUNTIME_TAR).sha256 $(BIN_TAR).sha256

# $(call ship_tar,DIR): DIR's tree as bin/... (DIR itself as bin) into the
# archive $@. Deterministic: names sorted, every mtime 0, owner and group
# 0, gzip without name or time (-n), so the same files give the same bytes
# whenever and by whomever they are built; modes are kept. Atomic: written
# to a mktemp file beside $@ and renamed, so a deploy, or another make
# building it at the same time, never reads a partial archive.
# gzip -6, not xz: docs/rationale.md#why-gzip-not-xz.
SHIP_TAR_FLAGS = --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu
define ship_tar
	@$(if $(Q),echo "  TAR     $@")
	$(Q)t=$$(mktemp $@.XXXXXX) && \
	  { tar -C $1 $(SHIP_TAR_FLAGS) --transform 's,^\.,bin,' -I 'gzip -n -6' -cf $$t . && \
	    chmod 644 $$t && mv -f $$t $@; } || { rm -f $$t; exit 1; }
endef

$(RUNTIME_TAR): $(RUNTIME_STAMP)
	$(call ship_tar,$(RUNTIME))

$(BIN_TAR): $(TOOLS) $(SCRIPTS)
	$(call ship_tar,$(BIN))

# redis-server=PATH redis-cli=PATH: the redis programs to ship.
RUNTIME_REDIS = redis-server=$(or $(REDIS_SERVER),$$(command -v redis-server)) redis-cli=$(or $(REDIS_CLI),$$(command -v redis-cli))

$(RUNTIME_STAMP): $(RUNTIME_TOOLS:%=$(BIN)/%) $(BIN)/cs-runtime mk/runtime.mk
	@$(if $(Q),echo "  RUNTIME $(RUNTIME)")
	$(Q)from="$(RUNTIME_REDIS)" && case "$$from " in *"= "*) echo "runtime: no redis-server or redis-cli on PATH (make deps installs them)" >&2; exit 1 ;; esac; \
	  d=$$(mktemp -d $(RUNTIME).XXXXXX) && chmod 755 $$d && \
	  { $(BIN)/cs-runtime build $$d $(RUNTIME_TOOLS:%=$(BIN)/%) $$from >$$d.files || { rm -rf $$d $$d.files; exit 1; }; } && \
	  grep -vF '$(abspath $(BIN))/' $$d.files | sort -u >$$d.sys; \
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
