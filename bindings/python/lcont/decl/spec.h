/* cffi declarations for <lcont/spec.h>. */
#define LCONT_SPEC_ROOTLESS ...

int lcont_spec_generate(uint64_t flags, char **ret, lcont_error **reterr);
int lcont_spec_validate(const char *json, size_t len, uint64_t flags, lcont_error **reterr);
int lcont_spec_get_features_json(uint64_t flags, char **ret, lcont_error **reterr);
