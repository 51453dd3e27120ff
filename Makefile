# cellstress: build the tools, run the tests, and drive the per-host pipeline
#   make provision deploy run check report destroy
# Defaults below; put local overrides in config.mak (ignored by git).

-include config.mak

# The layout of a cluster: recorded by `make provision` in $(HOSTS_DIR)/layout.mk
# and adopted by every later phase. Setting one of them to another value on the
# command line, in the environment or in config.mak while a cluster is up is
# refused (see mk/provision.mk) instead of silently mixing two layouts.
LAYOUT_VARS = PROVIDER TRANSPORT NET FIRST HOSTS USERS SAME CROSS MSGS SEED
GIVEN := $(foreach v,$(LAYOUT_VARS),$(if $(filter undefined,$(origin $v)),,$v))
HOSTS_DIR ?= hosts
-include $(HOSTS_DIR)/layout.mk
$(foreach v,$(filter-out $(GIVEN),$(LAYOUT_VARS)),$(if $(LAYOUT_$v),$(eval $v := $(LAYOUT_$v))))

PROVIDER  ?= local
TRANSPORT ?= $(PROVIDER_TRANSPORT)# local.mk: local; aws.mk: ssh
NET       ?= 127.0.1#              host N of PROVIDER=local is $(NET).$(FIRST+N-1)
FIRST     ?= 1
HOSTS     ?= 4
USERS     ?= 10000
SAME      ?= 20
CROSS     ?= 10
MSGS      ?= 5
SEED      ?= 1
APPENDFSYNC ?= everysec#          redis appendfsync: always, everysec or no
STALL     ?= 300#                  s: a client with no progress this long gives up, saying why
# What deploy ships and how (docs/pipeline.md#what-deploy-ships); deploy-time
# choices, not part of the layout.
SHIP_RUNTIME ?= $(or $(PROVIDER_SHIP_RUNTIME),0)# 1: tools + redis-server + their libraries
SHIP         ?= $(or $(PROVIDER_SHIP),direct)#    direct, or tree (hosts pass it on)
FANOUT       ?= 3#                SHIP=tree: children per host
SERVE_IDLE   ?= 60#               SHIP=tree: a host's cs-serve exits after this many s unused

# Where a cluster's state lives; tests point these into a scratch directory.
RESULTS   ?= results#              per-host logs, stamps, summary, report
RUN_DIR   ?= run#                  PROVIDER=local: the hosts' disks, run/hNN
STATE     ?= state#                sshd keys and config, ControlMaster sockets
SSH_PORT  ?= 2222#                 the loopback sshd of TRANSPORT=ssh

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

# V=1 shows full commands; otherwise one short line per step.
ifeq ($(V),1)
Q =
else
Q = @
endif

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

# The fragments, in the order they build on each other: the build and the
# tests; what every phase shares (and the provider hook contract); the
# providers, each active only for its own PROVIDER; the phases.
PROVIDERS = local aws
include mk/deps.mk mk/build.mk mk/cellsrv.mk mk/test.mk
include mk/pipeline.mk
include $(PROVIDERS:%=mk/%.mk)
include mk/runtime.mk mk/monitor.mk mk/provision.mk mk/deploy.mk mk/run.mk mk/check.mk mk/report.mk \
        mk/heal.mk mk/chaos.mk mk/destroy.mk mk/demo.mk
