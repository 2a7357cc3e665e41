/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources: blockIO, hugepageLimits, network, rdma, memory.kernel*, cpu.burst. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "spec/spec.h"

#ifndef SPEC_TEST_DATA
#error "SPEC_TEST_DATA must name tests/unit/spec/data"
#endif

#define BASE_HEAD                                                                   \
    "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"                     \
    "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}}," \
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],\"resources\":"
#define BASE_TAIL "}}"

static struct lcont_spec *parse_resources(const char *resources, int want, const char *msg)
{
    char text[4096];
    struct lcont_spec *spec = NULL;
    lcont_error *err = NULL;
    int r;

    snprintf(text, sizeof(text), BASE_HEAD "%s" BASE_TAIL, resources);
    r = lcont__spec_parse(text, strlen(text), &spec, &err);
    if (r != want)
        print_error("parse: %d (%s)\n", r, err ? lcont_error_message(err) : "");
    assert_int_equal(r, want);
    if (msg) {
        assert_non_null(err);
        if (!strstr(lcont_error_message(err), msg))
            print_error("message '%s' lacks '%s'\n", lcont_error_message(err), msg);
        assert_non_null(strstr(lcont_error_message(err), msg));
    }
    lcont_error_free(err);
    return spec;
}

static void test_spec_resources_maximal(void **state)
{
    struct lcont_spec *s = NULL;
    const struct lcont_spec_resources *res;
    lcont_error *err = NULL;
    (void)state;

    assert_int_equal(lcont__spec_load(SPEC_TEST_DATA "/maximal.json", &s, &err), 0);
    res = &s->linux_.resources;
    /* memory: kernel limits kept (for a note), checkBeforeUpdate */
    assert_true(res->has_memory_kernel);
    assert_int_equal(res->memory_kernel, -1);
    assert_true(res->has_memory_kernel_tcp);
    assert_int_equal(res->memory_kernel_tcp, 0);
    assert_false(res->memory_check_before_update);
    assert_true(res->has_cpu_burst);
    assert_int_equal(res->cpu_burst, 1000);
    /* blockIO */
    assert_true(res->has_blkio_weight);
    assert_int_equal(res->blkio_weight, 10);
    assert_true(res->has_blkio_leaf_weight);
    assert_int_equal(res->blkio_leaf_weight, 10);
    assert_int_equal(res->n_blkio_weight_devices, 1);
    assert_int_equal(res->blkio_weight_devices[0].major, 8);
    assert_int_equal(res->blkio_weight_devices[0].minor, 0);
    assert_true(res->blkio_weight_devices[0].has_weight);
    assert_int_equal(res->blkio_weight_devices[0].weight, 500);
    assert_false(res->blkio_weight_devices[0].has_leaf_weight);
    assert_int_equal(res->n_blkio_throttle[LCONT_BLKIO_READ_BPS], 1);
    assert_int_equal(res->blkio_throttle[LCONT_BLKIO_READ_BPS][0].rate, 600);
    assert_int_equal(res->n_blkio_throttle[LCONT_BLKIO_WRITE_BPS], 0);
    assert_int_equal(res->n_blkio_throttle[LCONT_BLKIO_READ_IOPS], 0);
    assert_int_equal(res->n_blkio_throttle[LCONT_BLKIO_WRITE_IOPS], 1);
    assert_int_equal(res->blkio_throttle[LCONT_BLKIO_WRITE_IOPS][0].minor, 16);
    assert_int_equal(res->blkio_throttle[LCONT_BLKIO_WRITE_IOPS][0].rate, 300);
    /* hugepageLimits, network, rdma */
    assert_int_equal(res->n_hugepage_limits, 1);
    assert_string_equal(res->hugepage_limits[0].page_size, "2MB");
    assert_int_equal(res->hugepage_limits[0].limit, 209715200);
    assert_true(res->has_net_class_id);
    assert_int_equal(res->net_class_id, 1048577);
    assert_int_equal(res->n_net_priorities, 1);
    assert_string_equal(res->net_priorities[0].name, "eth0");
    assert_int_equal(res->net_priorities[0].priority, 500);
    assert_int_equal(res->n_rdma_limits, 1);
    assert_string_equal(res->rdma_limits[0].device, "mlx5_1");
    assert_true(res->rdma_limits[0].has_hca_handles);
    assert_int_equal(res->rdma_limits[0].hca_handles, 3);
    assert_true(res->rdma_limits[0].has_hca_objects);
    assert_int_equal(res->rdma_limits[0].hca_objects, 10000);
    lcont__spec_free(s);
}

static void test_spec_resources_absent_means_unset(void **state)
{
    struct lcont_spec *s = parse_resources("{}", 0, NULL);
    const struct lcont_spec_resources *res = &s->linux_.resources;
    (void)state;

    assert_false(res->has_blkio_weight);
    assert_int_equal(res->n_blkio_weight_devices, 0);
    for (int k = 0; k < LCONT_BLKIO_THROTTLE_COUNT; k++)
        assert_int_equal(res->n_blkio_throttle[k], 0);
    assert_int_equal(res->n_hugepage_limits, 0);
    assert_false(res->has_net_class_id);
    assert_int_equal(res->n_rdma_limits, 0);
    assert_false(res->has_memory_kernel);
    assert_false(res->has_cpu_burst);
    lcont__spec_free(s);
}

static void test_spec_resources_rdma_null_entries_skipped(void **state)
{
    struct lcont_spec *s =
        parse_resources("{\"rdma\":{\"a\":null,\"mlx4_0\":{\"hcaObjects\":7}}}", 0, NULL);
    const struct lcont_spec_resources *res = &s->linux_.resources;
    (void)state;

    assert_int_equal(res->n_rdma_limits, 1);
    assert_string_equal(res->rdma_limits[0].device, "mlx4_0");
    assert_false(res->rdma_limits[0].has_hca_handles);
    assert_int_equal(res->rdma_limits[0].hca_objects, 7);
    lcont__spec_free(s);
}

static void test_spec_resources_invalid(void **state)
{
    static const struct {
        const char *json, *msg;
    } cases[] = {
        /* the page size becomes part of a file name */
        { "{\"hugepageLimits\":[{\"pageSize\":\"../2MB\",\"limit\":1}]}",
          "linux.resources.hugepageLimits[0].pageSize: '../2MB' is not a page size" },
        { "{\"hugepageLimits\":[{\"pageSize\":\"\",\"limit\":1}]}", "is not a page size" },
        /* interface names are written as "<name> <prio>" */
        { "{\"network\":{\"priorities\":[{\"name\":\"eth0 1\",\"priority\":1}]}}",
          "linux.resources.network.priorities[0].name: 'eth0 1' is not an interface name" },
        { "{\"network\":{\"classID\":4294967296}}", "linux.resources.network.classID" },
        { "{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"weight\":10}]}}",
          "linux.resources.blockIO.weightDevice[0].minor: missing" },
        { "{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":-1}]}}",
          "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate" },
        { "{\"rdma\":{\"mlx5 1\":{\"hcaObjects\":1}}}", "is not an RDMA device name" },
        { "{\"memory\":{\"kernel\":\"x\"}}", "linux.resources.memory.kernel" },
        { "{\"memory\":{\"checkBeforeUpdate\":1}}", "linux.resources.memory.checkBeforeUpdate" },
        { "{\"cpu\":{\"burst\":-5}}", "linux.resources.cpu.burst" },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_null(parse_resources(cases[i].json, -EINVAL, cases[i].msg));
}

static void test_spec_resources_free_zeroes(void **state)
{
    struct lcont_spec *s = NULL;
    lcont_error *err = NULL;
    struct lcont_spec_resources res;
    (void)state;

    assert_int_equal(lcont__spec_load(SPEC_TEST_DATA "/maximal.json", &s, &err), 0);
    /* take the resources out and free them alone, as an update does */
    res = s->linux_.resources;
    memset(&s->linux_.resources, 0, sizeof(s->linux_.resources));
    lcont__spec_resources_free(&res);
    assert_null(res.hugepage_limits);
    assert_int_equal(res.n_rdma_limits, 0);
    lcont__spec_resources_free(&res); /* twice is harmless */
    lcont__spec_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_resources_maximal),
        cmocka_unit_test(test_spec_resources_absent_means_unset),
        cmocka_unit_test(test_spec_resources_rdma_null_entries_skipped),
        cmocka_unit_test(test_spec_resources_invalid),
        cmocka_unit_test(test_spec_resources_free_zeroes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
