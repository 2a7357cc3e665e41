/* cffi declarations for <lcont/container.h>. */
typedef struct lcont_container lcont_container;

#define LCONT_STATUS_CREATING ...
#define LCONT_STATUS_CREATED ...
#define LCONT_STATUS_RUNNING ...
#define LCONT_STATUS_STOPPED ...
#define LCONT_STATUS_PAUSED ...

#define LCONT_CREATE_NO_PIVOT ...
#define LCONT_CREATE_STDIO ...
#define LCONT_CREATE_NO_NEW_KEYRING ...
#define LCONT_KILL_ALL ...
#define LCONT_DELETE_FORCE ...

typedef struct lcont_create_opts {
    uint64_t struct_size;
    const char *bundle;
    const char *console_socket;
    const char *pid_file;
    int preserve_fds;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    ...;
} lcont_create_opts;

int lcont_create_opts_init(lcont_create_opts *opts, size_t size);
int lcont_container_create(lcont_context *ctx, const char *id, const lcont_create_opts *opts,
                           uint64_t flags, lcont_container **ret, lcont_error **reterr);
int lcont_container_load(lcont_context *ctx, const char *id, uint64_t flags, lcont_container **ret,
                         lcont_error **reterr);
lcont_container *lcont_container_ref(lcont_container *c);
lcont_container *lcont_container_unref(lcont_container *c);
int lcont_container_start(lcont_container *c, uint64_t flags, lcont_error **reterr);
int lcont_container_kill(lcont_container *c, int signo, uint64_t flags, lcont_error **reterr);
int lcont_container_delete(lcont_container *c, uint64_t flags, lcont_error **reterr);
int lcont_container_get_status(lcont_container *c, uint64_t flags, lcont_error **reterr);
int lcont_container_get_state_json(lcont_container *c, uint64_t flags, char **ret,
                                   lcont_error **reterr);
const char *lcont_container_get_id(const lcont_container *c);
const char *lcont_container_get_bundle(const lcont_container *c);
pid_t lcont_container_get_pid(const lcont_container *c);
int lcont_container_get_init_process(lcont_container *c, uint64_t flags, lcont_process **ret,
                                     lcont_error **reterr);
int lcont_container_list(lcont_context *ctx, uint64_t flags, char ***ret, lcont_error **reterr);

#define LCONT_EXEC_STDIO ...
#define LCONT_EXEC_NO_NEW_PRIVS ...
#define LCONT_EXEC_TERMINAL ...
#define LCONT_EXEC_USER ...

typedef struct lcont_exec_opts {
    uint64_t struct_size;
    const char *const *args;
    const char *const *env;
    const char *cwd;
    uid_t uid;
    gid_t gid;
    const gid_t *additional_gids;
    size_t n_additional_gids;
    const char *const *caps;
    const char *console_socket;
    const char *pid_file;
    int preserve_fds;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    const char *apparmor_profile;
    const char *selinux_label;
    ...;
} lcont_exec_opts;

int lcont_exec_opts_init(lcont_exec_opts *opts, size_t size);
int lcont_container_exec(lcont_container *c, const char *process_json, const lcont_exec_opts *opts,
                         uint64_t flags, lcont_process **ret, lcont_error **reterr);
int lcont_container_pause(lcont_container *c, uint64_t flags, lcont_error **reterr);
int lcont_container_resume(lcont_container *c, uint64_t flags, lcont_error **reterr);
int lcont_container_update(lcont_container *c, const char *resources_json, uint64_t flags,
                           lcont_error **reterr);
int lcont_container_get_stats_json(lcont_container *c, uint64_t flags, char **ret_json,
                                   lcont_error **reterr);
int lcont_container_get_pids(lcont_container *c, uint64_t flags, pid_t **ret_pids, size_t *ret_n,
                             lcont_error **reterr);
int lcont_container_open_oom_fd(lcont_container *c, uint64_t flags, lcont_error **reterr);
