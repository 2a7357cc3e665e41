/* cffi declarations for <lcont/process.h>. */
typedef struct lcont_process lcont_process;

#define LCONT_WAIT_NOHANG ...

lcont_process *lcont_process_ref(lcont_process *p);
lcont_process *lcont_process_unref(lcont_process *p);
pid_t lcont_process_get_pid(const lcont_process *p);
int lcont_process_get_pidfd(const lcont_process *p);
int lcont_process_signal(lcont_process *p, int signo, uint64_t flags, lcont_error **reterr);
int lcont_process_wait(lcont_process *p, uint64_t flags, int *ret_status, lcont_error **reterr);
