/* cffi declarations for <lcont/context.h>. */
typedef struct lcont_context lcont_context;

#define LCONT_LOG_ERROR ...
#define LCONT_LOG_WARNING ...
#define LCONT_LOG_INFO ...
#define LCONT_LOG_DEBUG ...

typedef void (*lcont_log_fn)(int level, const char *msg, void *userdata);

typedef struct lcont_context_opts {
    uint64_t struct_size;
    const char *state_root;
    const char *store_root;
    ...;
} lcont_context_opts;

int lcont_context_opts_init(lcont_context_opts *opts, size_t size);
int lcont_context_new(const lcont_context_opts *opts, uint64_t flags, lcont_context **ret,
                      lcont_error **reterr);
lcont_context *lcont_context_ref(lcont_context *ctx);
lcont_context *lcont_context_unref(lcont_context *ctx);
int lcont_context_set_log_fn(lcont_context *ctx, int max_level, lcont_log_fn fn, void *userdata,
                             lcont_destroy_fn destroy);
const char *lcont_context_get_state_root(const lcont_context *ctx);
const char *lcont_context_get_store_root(const lcont_context *ctx);
const char *lcont_version(void);
int lcont_has_feature(const char *name);
