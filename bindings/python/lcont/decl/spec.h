/* cffi declarations for <lcont/spec.h>. */
#define LCONT_SPEC_ROOTLESS ...

int lcont_spec_generate(uint64_t flags, char **ret, lcont_error **reterr);
int lcont_spec_validate(const char *json, size_t len, uint64_t flags, lcont_error **reterr);
int lcont_spec_get_features_json(uint64_t flags, char **ret, lcont_error **reterr);

typedef struct lcont_image_spec_opts {
    uint64_t struct_size;
    const char *const *args;
    const char *const *entrypoint;
    const char *const *env;
    const char *cwd;
    const char *user;
    const char *const *groups;
    const char *hostname;
    const char *root_path;
    const char *image_name;
    const char *image_digest;
    int terminal;
    int readonly;
    ...;
} lcont_image_spec_opts;

int lcont_image_spec_opts_init(lcont_image_spec_opts *opts, size_t size);
int lcont_spec_from_image_config(const char *image_config_json, const char *rootfs_dir,
                                 const lcont_image_spec_opts *opts, uint64_t flags, char **ret_json,
                                 lcont_error **reterr);
