/* cffi declarations for <lcont/image.h>. */
typedef struct lcont_image_store lcont_image_store;
typedef struct lcont_image lcont_image;

#define LCONT_IMAGE_PHASE_COPY ...
#define LCONT_IMAGE_PHASE_UNPACK ...
#define LCONT_IMAGE_PHASE_DONE ...

typedef struct lcont_image_progress {
    uint64_t struct_size;
    int phase;
    uint32_t index;
    uint32_t count;
    const char *digest;
    uint64_t bytes_done;
    uint64_t bytes_total;
    uint64_t entries;
    ...;
} lcont_image_progress;

typedef void (*lcont_image_progress_fn)(const lcont_image_progress *progress, void *userdata);

typedef struct lcont_image_store_opts {
    uint64_t struct_size;
    const char *root;
    uint64_t max_layer_bytes;
    uint64_t max_layer_ratio;
    uint64_t max_layer_entries;
    uint64_t max_blob_bytes;
    uint32_t max_index_depth;
    uint32_t parallel_layers;
    ...;
} lcont_image_store_opts;

int lcont_image_store_opts_init(lcont_image_store_opts *opts, size_t size);
int lcont_image_store_open(lcont_context *ctx, const lcont_image_store_opts *opts, uint64_t flags,
                           lcont_image_store **ret, lcont_error **reterr);
lcont_image_store *lcont_image_store_ref(lcont_image_store *store);
lcont_image_store *lcont_image_store_unref(lcont_image_store *store);
const char *lcont_image_store_get_root(const lcont_image_store *store);
int lcont_image_store_set_progress_fn(lcont_image_store *store, lcont_image_progress_fn fn,
                                      void *userdata, lcont_destroy_fn destroy);

typedef struct lcont_image_load_opts {
    uint64_t struct_size;
    const char *name;
    const char *os;
    const char *architecture;
    const char *variant;
    ...;
} lcont_image_load_opts;

int lcont_image_load_opts_init(lcont_image_load_opts *opts, size_t size);

#define LCONT_IMAGE_LOAD_CACHE_LAYERS ...

int lcont_image_load(lcont_image_store *store, const char *source,
                     const lcont_image_load_opts *opts, uint64_t flags, lcont_image **ret,
                     lcont_error **reterr);
int lcont_image_lookup(lcont_image_store *store, const char *name_or_digest, uint64_t flags,
                       lcont_image **ret, lcont_error **reterr);
int lcont_image_list(lcont_image_store *store, uint64_t flags, char ***ret, lcont_error **reterr);

#define LCONT_IMAGE_REMOVE_FORCE ...

int lcont_image_remove(lcont_image_store *store, const char *name_or_digest, uint64_t flags,
                       lcont_error **reterr);

#define LCONT_IMAGE_PRUNE_ALL ...

int lcont_image_prune(lcont_image_store *store, uint64_t flags, uint64_t *ret_freed_bytes,
                      lcont_error **reterr);
lcont_image *lcont_image_ref(lcont_image *img);
lcont_image *lcont_image_unref(lcont_image *img);
const char *lcont_image_get_name(const lcont_image *img);
const char *const *lcont_image_get_names(const lcont_image *img);
const char *lcont_image_get_digest(const lcont_image *img);
const char *lcont_image_get_id(const lcont_image *img);
const char *lcont_image_get_config_json(const lcont_image *img);
const char *lcont_image_get_manifest_json(const lcont_image *img);
const char *lcont_image_get_created(const lcont_image *img);
uint64_t lcont_image_get_size(const lcont_image *img);
size_t lcont_image_get_layer_count(const lcont_image *img);

typedef struct lcont_image_mount_opts {
    uint64_t struct_size;
    const char *upper_root;
    ...;
} lcont_image_mount_opts;

int lcont_image_mount_opts_init(lcont_image_mount_opts *opts, size_t size);

#define LCONT_IMAGE_MOUNT_READONLY ...
#define LCONT_IMAGE_MOUNT_COPY ...
#define LCONT_IMAGE_MOUNT_VOLATILE ...

int lcont_image_mount(lcont_image_store *store, lcont_image *img, const char *target,
                      const lcont_image_mount_opts *opts, uint64_t flags, lcont_error **reterr);

#define LCONT_IMAGE_UMOUNT_DETACH ...

int lcont_image_umount(lcont_image_store *store, const char *target, uint64_t flags,
                       lcont_error **reterr);
int lcont_image_unpack(lcont_image_store *store, lcont_image *img, const char *dir,
                       const lcont_image_mount_opts *opts, uint64_t flags, lcont_error **reterr);
