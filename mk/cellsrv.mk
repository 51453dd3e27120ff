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
