# build.mk: every src/*.c is one tool, and so is every directory src/NAME/
# of .c files (src/lib/ apart), linked into bin/ against the static library
# built from src/lib/*.c. SANITIZE=1 builds into build/san/bin instead.
# Tools link every library with --as-needed, so each binary records only
# the shared libraries it really uses.

PKGS      = hiredis libevent jansson libcurl libcrypto libxml-2.0
PC_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PC_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ALL_CFLAGS  = $(WARN) $(CFLAGS) -Isrc/lib $(PC_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) -Wl,--as-needed
LIBS        = $(ALLOC_LIBS) $(PC_LIBS) -lm

# cellsrv and msgclient allocate per request and per message, and link
# jemalloc, Redis's own allocator (why, and what it gains:
# docs/rationale.md#why-jemalloc). ASan brings its own malloc, so
# SANITIZE=1 keeps glibc's. Expanded at link time, as PC_LIBS is: on a
# fresh machine mk/deps.sh installs libjemalloc-dev after make has read this.
ifneq ($(SANITIZE),1)
$(BIN)/cellsrv $(BIN)/msgclient: ALLOC_LIBS = $(shell pkg-config --libs jemalloc 2>/dev/null)
endif

TOOL_SRC  = $(sort $(wildcard src/*.c))
TOOL_DIRS = $(filter-out lib,$(patsubst src/%/,%,$(sort $(dir $(wildcard src/*/*.c)))))
DIR_SRC   = $(sort $(foreach d,$(TOOL_DIRS),$(wildcard src/$d/*.c)))
TOOLS     = $(patsubst src/%.c,$(BIN)/%,$(TOOL_SRC)) $(TOOL_DIRS:%=$(BIN)/%)
LIB_SRC   = $(sort $(wildcard src/lib/*.c))
LIB_OBJ   = $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRC))
LIB_A     = $(BUILD)/libcs.a
# Shell helpers shipped beside the tools.
SCRIPTS   = $(patsubst src/%.sh,$(BIN)/%,$(sort $(wildcard src/*.sh)))

# Keep the tools' objects: they are intermediate to make, and rebuilding
# them on every run would be wasted work.
.SECONDARY: $(patsubst src/%.c,$(BUILD)/%.o,$(TOOL_SRC) $(DIR_SRC))

.PHONY: all clean
all: $(TOOLS) $(SCRIPTS)

$(BUILD)/%.o: src/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

define link
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_A) $(LIBS)
endef

$(BIN)/%: $(BUILD)/%.o $(LIB_A)
	$(link)

# A directory's tool links every object of the directory.
$(foreach d,$(TOOL_DIRS),$(eval $(BIN)/$d: $(patsubst src/%.c,$(BUILD)/%.o,$(wildcard src/$d/*.c)) $(LIB_A)))
$(TOOL_DIRS:%=$(BIN)/%):
	$(link)

# A script gets the host contract (src/lib/host.h) where it has the line
# "# @host.h@": the header's #defines as shell variables, so C and shell
# share one source for ports and limits; and src/lib/proc.sh (who a
# recorded PID is) where it has "# @proc.sh@".
$(BUILD)/host.sh: src/lib/host.h
	@mkdir -p $(@D)
	$(Q){ echo '# from src/lib/host.h (mk/build.mk)'; \
	  sed -n 's/^#define \([A-Z_]*\) *\([0-9][0-9]*\).*/\1=\2/p' $<; } >$@.tmp && mv $@.tmp $@

$(BIN)/%: src/%.sh $(BUILD)/host.sh src/lib/proc.sh
	@mkdir -p $(@D)
	$(Q)sed -e '/^# @host\.h@$$/{r $(BUILD)/host.sh' -e 'd;}' \
	  -e '/^# @proc\.sh@$$/{r src/lib/proc.sh' -e 'd;}' $< >$@.tmp && chmod +x $@.tmp && mv $@.tmp $@

clean:
	rm -rf bin build

-include $(LIB_OBJ:.o=.d) $(patsubst src/%.c,$(BUILD)/%.d,$(TOOL_SRC) $(DIR_SRC))
