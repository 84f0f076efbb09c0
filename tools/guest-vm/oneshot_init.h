/*
 * What a program booted as the guest's init for one run (rdinit=, see
 * run_program() in guest_vm.hpp) does first and last: mount what the engine
 * needs, write to the console, and end with the line run_program() reads its
 * exit status from before powering the guest off. C, so C tests can use it.
 */
#ifndef KADAPTER_ONESHOT_INIT_H
#define KADAPTER_ONESHOT_INIT_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void kadapter_oneshot_mount(const char* type, const char* dir)
{
    mkdir(dir, 0755);
    if (mount(type, dir, type, 0, NULL) != 0)
        perror(dir);
}

static inline void kadapter_oneshot_begin(void)
{
    kadapter_oneshot_mount("devtmpfs", "/dev");
    int console = open("/dev/console", O_RDWR);
    if (console >= 0) {
        dup2(console, 0);
        dup2(console, 1);
        dup2(console, 2);
        if (console > 2)
            close(console);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    kadapter_oneshot_mount("proc", "/proc");
    kadapter_oneshot_mount("sysfs", "/sys");
    kadapter_oneshot_mount("securityfs", "/sys/kernel/security");
    kadapter_oneshot_mount("cgroup2", "/sys/fs/cgroup");
    kadapter_oneshot_mount("bpf", "/sys/fs/bpf");
    kadapter_oneshot_mount("tmpfs", "/tmp");
}

static inline void kadapter_oneshot_end(int status)
{
    printf("kadapter-oneshot: exit %d\n", status);
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    _exit(status); /* not reached as PID 1 */
}

#endif /* KADAPTER_ONESHOT_INIT_H */
