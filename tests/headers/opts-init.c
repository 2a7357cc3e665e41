/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The option-struct initializers must not trip -Wmissing-field-initializers
 * in users' -Wextra -Werror builds (STYLE §6.1). Compiled by headertest.py.
 */
#include <lcont/lcont.h>

int lcont_headertest_opts(void);

int lcont_headertest_opts(void)
{
    lcont_context_opts context_opts = LCONT_CONTEXT_OPTS_INIT;
    lcont_create_opts create_opts = LCONT_CREATE_OPTS_INIT;
    lcont_exec_opts exec_opts = LCONT_EXEC_OPTS_INIT;
    lcont_image_store_opts store_opts = LCONT_IMAGE_STORE_OPTS_INIT;
    lcont_image_load_opts load_opts = LCONT_IMAGE_LOAD_OPTS_INIT;
    lcont_image_mount_opts mount_opts = LCONT_IMAGE_MOUNT_OPTS_INIT;
    lcont_image_spec_opts image_spec_opts = LCONT_IMAGE_SPEC_OPTS_INIT;
    lcont_service_desc service_desc = LCONT_SERVICE_DESC_INIT;
    lcont_endpoint_desc endpoint_desc = LCONT_ENDPOINT_DESC_INIT;
    lcont_endpoint_pick endpoint_pick = LCONT_ENDPOINT_PICK_INIT;

    return (int)(context_opts.struct_size + create_opts.struct_size + exec_opts.struct_size +
                 store_opts.struct_size + load_opts.struct_size + mount_opts.struct_size +
                 image_spec_opts.struct_size + service_desc.struct_size +
                 endpoint_desc.struct_size + endpoint_pick.struct_size);
}
