# test.mk: `make test` builds everything, then prove runs every tests/t*.sh
# (TAP). C unit tests live in tests/*.c, C test helpers in tests/helper/*.c;
# both build into $(BUILD)/tests/ and are run by a tests/t*.sh. Under SANITIZE=1 undefined behaviour stops
# the program (UBSAN_OPTIONS halt_on_error), so a test sees it fail. `make bench-NAME` runs bench/bench-NAME.sh.

UNIT_SRC  = $(sort $(wildcard tests/*.c tests/helper/*.c))
UNIT_BIN  = $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRC)))
TEST_SH   = $(sort $(wildcard tests/t[0-9]*.sh))
PROVE_FLAGS ?=

.PHONY: test check-build
test: all $(UNIT_BIN)
	@TOP=$(CURDIR) BIN=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  prove $(PROVE_FLAGS) -e bash $(if $(T),$(T),$(TEST_SH))

$(BUILD)/tests/%: tests/%.c $(LIB_A)
	$(call unit_cc)
$(BUILD)/tests/%: tests/helper/%.c $(LIB_A)
	$(call unit_cc)
define unit_cc
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(LIBS)
endef

bench-%: all deps-bench
	@sh bench/machine.sh
	@TOP=$(CURDIR) BIN=$(abspath $(BIN)) bash bench/bench-$*.sh
