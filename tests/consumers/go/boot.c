/*
 * The C side of the Go consumer: the event handler's trampoline into Go,
 * and booting as the guest's init (oneshot_init.h).
 */
#include <stdint.h>
#include <unistd.h>

#include <kadapter/kadapter.h>

#include "_cgo_export.h"
#include "oneshot_init.h"

void consumer_on_event(const struct kadapter_event* event, void* user)
{
    consumerEvent((struct kadapter_event*)event, (uintptr_t)user);
}

/* A cgo.Handle as the handler's user pointer (an integer, not a Go pointer). */
void* consumer_handle(uintptr_t handle)
{
    return (void*)handle;
}

/* The Go runtime needs fds 0-2 open before main runs (it opens /dev/null
 * for a closed one, and an initramfs has no /dev yet), so the guest's init
 * mounts /dev and takes the console here, before the runtime starts. The
 * children it starts (pid != 1) skip it. */
__attribute__((constructor)) static void consumer_boot(void)
{
    if (getpid() == 1)
        kadapter_oneshot_begin();
}

void consumer_power_off(int status)
{
    kadapter_oneshot_end(status);
}
