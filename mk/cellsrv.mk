# cellsrv.mk: cellsrv (src/cellsrv/) embeds its Redis function library
# (src/cellsrv.lua) as a C string; the header is generated into $(BUILD) so
# no build output lands in src/. redis.c is the one file that includes it.

$(BUILD)/cellsrv-lua.h: src/cellsrv.lua
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q){ echo '/* generated from src/cellsrv.lua by mk/cellsrv.mk */'; \
	  echo 'static const char cellsrv_lua[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } >$@

$(BUILD)/cellsrv/redis.o: $(BUILD)/cellsrv-lua.h
$(BUILD)/cellsrv/redis.o: ALL_CFLAGS += -I$(BUILD)

# The build's identity, in cellsrv's and msgclient's /metrics: the commit
# (git describe, "-dirty" with changes not committed), or "unknown" outside
# git. Written when make reads this, and only when it changes (no FORCE:
# `make -q` of a stamp stays true), so a build that changes nothing
# rebuilds nothing.
BUILD_ID := $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null || echo unknown)
$(shell mkdir -p $(BUILD) && { echo '#define CS_BUILD "$(BUILD_ID)"' | cmp -s - $(BUILD)/build-id.h || \
  echo '#define CS_BUILD "$(BUILD_ID)"' >$(BUILD)/build-id.h; })

$(BUILD)/cellsrv/metrics.o $(BUILD)/msgclient.o: $(BUILD)/build-id.h
$(BUILD)/cellsrv/metrics.o $(BUILD)/msgclient.o: ALL_CFLAGS += -I$(BUILD)
