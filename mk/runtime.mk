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
# Deploy ships neither directory as it is but its archive, built once per
# build of the directory: $(RUNTIME_TAR) from $(RUNTIME), $(BIN_TAR) from
# $(BIN). Every host's deploy sends that file unchanged (cs-host ship), so
# the control host compresses nothing per host; the host gunzips and
# extracts it as its new bin/.
#
# $(RUNTIME_STAMP) is rebuilt when a tool, the redis programs found or any
# library copied changes ($(BUILD)/runtime.d, written by the build, lists
# the real paths of the system's files, like -MMD does for headers). The build goes into a fresh
# mktemp directory and replaces $(RUNTIME) only when it is complete.

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
# gzip -6, not xz: measured on build/runtime (a 15,882,240-byte tar; this
# 2-core machine at load 3-4; unpack = `gzip -dc | tar -x`, mean of 3):
#   gzip -6  6,325,936 bytes, 0.72 s to compress, 0.10 s to unpack
#   gzip -9  6,291,922 bytes, 2.41 s,             0.10 s
#   xz -6    4,878,144 bytes, 7.44 s,             0.30 s
# xz would save 23% of the bytes, but costs 10 times the build time at each
# rebuild and 3 times the unpack time on every host; and gzip is Essential
# in Debian, on every host, while xz-utils is of priority standard only,
# not sure to be on an AMI.
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
