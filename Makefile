# cellstress: build the tools, run the tests, and drive the per-host pipeline.
# Defaults first; put local overrides in config.mak (ignored by git).

PROVIDER  ?= local
TRANSPORT ?= local
HOSTS     ?= 4
USERS     ?= 10000
SAME      ?= 20
CROSS     ?= 10
MSGS      ?= 5
SEED      ?= 1

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
BUILD   ?= build/san
BIN     ?= build/san/bin
else
BUILD   ?= build
BIN     ?= bin
endif

-include config.mak

# V=1 shows full commands; otherwise one short line per step.
ifeq ($(V),1)
Q =
else
Q = @
endif

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

include mk/deps.mk
include mk/build.mk
include mk/test.mk
-include $(filter-out mk/deps.mk mk/build.mk mk/test.mk,$(sort $(wildcard mk/*.mk)))
