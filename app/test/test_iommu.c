/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommu_autotest: the lib/iommu core, driven through a test-only driver ("mock") so
 * that the rules the core enforces for every driver are checked on their own:
 * devargs refusals, names, lookup, dev IDs, the three attach modes and their busy
 * rules, PASID table checks, and poll-path dispatch. Model-specific behaviour is
 * tested with the emu driver in its own suites.
 */
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_telemetry.h>

#include <sva_iommu.h>
#include <sva_iommu_driver.h>

#include "sva_test.h"
#include "test_sva_common.h"   /* sva_t_telemetry() */

struct mock_iommu {
	uint64_t pasid_bits, caps, model, align;
	unsigned int attaches, detaches, prq_reads, responses, inval;
	struct sva_page_response last_resp;
};

struct mock_dev {
	uint64_t rid;
};

static const char *const mock_iommu_keys[] = { "pasid_bits", "caps", "model", "align", "fail", NULL };
static const char *const mock_dev_keys[] = { "rid", NULL };
static const char *const mock_models[] = { "none", "vtd", "smmuv3", NULL };

static int
mock_iommu_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	struct mock_iommu *m = sva_iommu_priv(iommu);
	unsigned int model = 1;
	uint64_t fail = 0;

	m->pasid_bits = 8;
	m->caps = SVA_IOMMU_CAP_PRI | SVA_IOMMU_CAP_ATTACH_RID | SVA_IOMMU_CAP_ATTACH_PASID |
		SVA_IOMMU_CAP_PASID_TABLE;
	m->align = 4096;
	if (sva_kvargs_u64(kv, "pasid_bits", 0, 20, &m->pasid_bits) != 0 ||
			sva_kvargs_u64(kv, "caps", 0, UINT64_MAX, &m->caps) != 0 ||
			sva_kvargs_u64(kv, "align", 1, 1 << 20, &m->align) != 0 ||
			sva_kvargs_u64(kv, "fail", 0, 200, &fail) != 0 ||
			sva_kvargs_choice(kv, "model", mock_models, &model) != 0)
		return -EINVAL;
	m->model = model;
	return -(int)fail;
}

static void mock_iommu_destroy(struct sva_iommu *iommu) { RTE_SET_USED(iommu); }

static void
mock_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	const struct mock_iommu *m = sva_iommu_priv(iommu);

	info->model = m->model == 2 ? SVA_IOMMU_MODEL_SMMUV3 : SVA_IOMMU_MODEL_VTD;
	info->pasid_bits = m->pasid_bits;
	info->caps = m->caps;
	info->pasid_table_format = m->model == 2 ? SVA_PASID_TABLE_SMMUV3_CD : SVA_PASID_TABLE_VTD_SM;
	info->pasid_table_align = m->align;
	info->pasid_table_max_size = 1 << 20;
	info->numa_node = -1;
}

static int
mock_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv)
{
	struct mock_dev *d = sva_dev_priv(dev);

	d->rid = 0x10;
	if (sva_kvargs_u64(kv, "rid", 0, 0xffff, &d->rid) != 0)
		return -EINVAL;
	sva_dev_id_set(dev, d->rid);
	return 0;
}

static void mock_dev_close(struct sva_dev *dev) { RTE_SET_USED(dev); }

static struct mock_iommu *
mock_of(struct sva_dev *dev)
{
	return sva_iommu_priv(sva_dev_iommu(dev));
}

static int
mock_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	RTE_SET_USED(pt);
	mock_of(dev)->attaches++;
	return 0;
}

static int
mock_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt)
{
	RTE_SET_USED(pasid);
	return mock_attach_rid(dev, pt);
}

static void mock_detach_rid(struct sva_dev *dev) { mock_of(dev)->detaches++; }

static void
mock_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	RTE_SET_USED(pasid);
	mock_detach_rid(dev);
}

static int
mock_table_bind(struct sva_dev *dev, const struct sva_pasid_table_cfg *cfg)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(cfg);
	return 0;
}

static void mock_table_unbind(struct sva_dev *dev) { RTE_SET_USED(dev); }

static uint16_t
mock_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct mock_iommu *m = sva_iommu_priv(iommu);

	m->prq_reads++;
	for (uint16_t i = 0; i < n && i < 2; i++) {
		memset(&faults[i], 0, sizeof(faults[i]));
		faults[i].type = SVA_FAULT_PAGE_REQ;
		faults[i].prm.grpid = i;
	}
	return RTE_MIN(n, 2);
}

static uint16_t
mock_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	RTE_SET_USED(iommu);
	RTE_SET_USED(faults);
	RTE_SET_USED(n);
	return 0;
}

static int
mock_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp, uint16_t n)
{
	struct mock_iommu *m = sva_iommu_priv(iommu);

	m->responses += n;
	m->last_resp = resp[n - 1];
	return n;
}

static int
mock_iotlb_inval(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size)
{
	RTE_SET_USED(pasid);
	RTE_SET_USED(addr);
	RTE_SET_USED(size);
	((struct mock_iommu *)sva_iommu_priv(iommu))->inval++;
	return 0;
}

static const struct sva_iommu_driver mock_driver = {
	.name = "mock",
	.iommu_keys = mock_iommu_keys,
	.dev_keys = mock_dev_keys,
	.iommu_priv_size = sizeof(struct mock_iommu),
	.dev_priv_size = sizeof(struct mock_dev),
	.iommu_create = mock_iommu_create,
	.iommu_destroy = mock_iommu_destroy,
	.info_get = mock_info_get,
	.dev_open = mock_dev_open,
	.dev_close = mock_dev_close,
	.attach_rid = mock_attach_rid,
	.attach_pasid = mock_attach_pasid,
	.attach_rid_all_pasids = mock_attach_rid,
	.detach_rid = mock_detach_rid,
	.detach_pasid = mock_detach_pasid,
	.detach_rid_all_pasids = mock_detach_rid,
	.pasid_table_bind = mock_table_bind,
	.pasid_table_unbind = mock_table_unbind,
	.prq_read = mock_prq_read,
	.evtq_read = mock_evtq_read,
	.page_response = mock_page_response,
	.iotlb_inval = mock_iotlb_inval,
};

SVA_IOMMU_DRIVER_REGISTER(mock_driver);

static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };

static int
test_iommu_devargs_refused(void)
{
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create(NULL), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create(""), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("nosuchdriver,model=vtd"), ENODEV);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,colour=blue"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,pasid_bits=21"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,pasid_bits=-1"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,pasid_bits=8x"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,pasid_bits="), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,pasid_bits=4,pasid_bits=5"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,model=ppc"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,name="), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,fail=5"), EIO);   /* the driver's own errno */
	TEST_ASSERT_EQUAL(sva_iommu_find("mock0"), NULL, "a refused iommu was registered");
	return TEST_SUCCESS;
}

static int
count_one(struct sva_iommu *iommu, void *arg)
{
	RTE_SET_USED(iommu);
	(*(unsigned int *)arg)++;
	return 0;
}

static int
stop_at_first(struct sva_iommu *iommu, void *arg)
{
	RTE_SET_USED(iommu);
	(*(unsigned int *)arg)++;
	return 7;
}

static int
test_iommu_create_info_find(void)
{
	struct sva_iommu *a, *b;
	struct sva_iommu_info info;
	unsigned int count = 0;

	a = sva_iommu_create("mock,name=mock_a,pasid_bits=0x10,model=smmuv3");
	TEST_ASSERT_NOT_NULL(a, "create mock_a");
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("mock,name=mock_a"), EEXIST);
	b = sva_iommu_create("mock");
	TEST_ASSERT_NOT_NULL(b, "create an unnamed mock");
	TEST_ASSERT(strncmp(sva_iommu_name(b), "mock", 4) == 0, "generated name %s", sva_iommu_name(b));

	TEST_ASSERT_SUCCESS(sva_iommu_info_get(a, &info), "info");
	TEST_ASSERT_EQUAL(info.pasid_bits, 16, "pasid_bits from 0x10");
	TEST_ASSERT(strcmp(info.name, "mock_a") == 0, "info name %s", info.name);
	TEST_ASSERT(strcmp(info.driver, "mock") == 0, "info driver %s", info.driver);
	TEST_ASSERT_EQUAL(info.pasid_table_format, SVA_PASID_TABLE_SMMUV3_CD, "format from model");
	TEST_ASSERT_RET(sva_iommu_info_get(NULL, &info), -EINVAL);
	TEST_ASSERT_RET(sva_iommu_info_get(a, NULL), -EINVAL);

	TEST_ASSERT_EQUAL(sva_iommu_find("mock_a"), a, "find by name");
	TEST_ASSERT_NULL_ERRNO(sva_iommu_find("mock_zz"), ENOENT);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_find(NULL), EINVAL);
	TEST_ASSERT_EQUAL(sva_iommu_foreach(NULL, NULL), 0, "foreach without fn");
	TEST_ASSERT_EQUAL(sva_iommu_foreach(count_one, &count), 0, "foreach");
	TEST_ASSERT_EQUAL(count, 2, "foreach visits both iommus");
	count = 0;
	TEST_ASSERT_EQUAL(sva_iommu_foreach(stop_at_first, &count), 7, "foreach returns fn's value");
	TEST_ASSERT_EQUAL(count, 1, "foreach stops at the first non-zero");

	TEST_ASSERT_SUCCESS(sva_iommu_destroy(a), "destroy a");
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(b), "destroy b");
	TEST_ASSERT_RET(sva_iommu_destroy(NULL), -EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_find("mock_a"), ENOENT);
	return TEST_SUCCESS;
}

static int
test_iommu_dev_ids(void)
{
	struct sva_iommu *iommu = sva_iommu_create("mock,name=mock_dev");
	struct sva_dev *d1, *d2;

	TEST_ASSERT_NOT_NULL(iommu, "create");
	d1 = sva_dev_open(iommu, "rid=0x20");
	TEST_ASSERT_NOT_NULL(d1, "open rid 0x20");
	TEST_ASSERT_EQUAL(sva_dev_id(d1), 0x20, "dev id");
	TEST_ASSERT_EQUAL(sva_dev_iommu(d1), iommu, "dev iommu");
	TEST_ASSERT_NULL_ERRNO(sva_dev_open(iommu, "rid=0x20"), EEXIST);
	TEST_ASSERT_NULL_ERRNO(sva_dev_open(iommu, "rid=0x10000"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_dev_open(iommu, "bus=3"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_dev_open(NULL, "rid=1"), EINVAL);
	d2 = sva_dev_open(iommu, NULL);
	TEST_ASSERT_NOT_NULL(d2, "open with defaults");
	TEST_ASSERT_EQUAL(sva_dev_id(d2), 0x10, "default rid");
	TEST_ASSERT_RET(sva_iommu_destroy(iommu), -EBUSY);
	sva_dev_close(d1);
	sva_dev_close(d2);
	sva_dev_close(NULL);
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy after close");
	return TEST_SUCCESS;
}

static int
test_iommu_attach_modes(void)
{
	struct sva_iommu *iommu = sva_iommu_create("mock,name=mock_att,pasid_bits=8");
	struct mock_iommu *m;
	struct sva_dev *dev, *dev2;
	struct sva_pgtable bad = { .type = 99 };

	TEST_ASSERT_NOT_NULL(iommu, "create");
	m = sva_iommu_priv(iommu);
	dev = sva_dev_open(iommu, "rid=1");
	TEST_ASSERT_NOT_NULL(dev, "open");

	/* argument rules */
	TEST_ASSERT_RET(sva_dev_attach_rid(NULL, &mm), -EINVAL);
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &bad), -EINVAL);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 0, &mm), -EINVAL);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 256, &mm), -EINVAL);

	/* RID, then PASIDs beside it; RID + all PASIDs conflicts with both */
	TEST_ASSERT_SUCCESS(sva_dev_attach_rid(dev, &mm), "attach rid");
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &mm), -EBUSY);
	TEST_ASSERT_SUCCESS(sva_dev_attach_pasid(dev, 5, &mm), "attach pasid 5");
	TEST_ASSERT_SUCCESS(sva_dev_attach_pasid(dev, 255, &mm), "attach pasid 255");
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 5, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(dev, &mm), -EBUSY);
	sva_dev_detach_rid(dev);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(dev, &mm), -EBUSY);
	sva_dev_detach_pasid(dev, 5);
	sva_dev_detach_pasid(dev, 5);        /* a no-op, never a failure */
	sva_dev_detach_pasid(dev, 255);
	sva_dev_detach_pasid(dev, 100000);   /* out of range: a no-op */
	TEST_ASSERT_EQUAL(m->detaches, 3, "each attached thing detached once");
	TEST_ASSERT_SUCCESS(sva_dev_attach_rid_all_pasids(dev, &mm), "rid + all pasids");
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 7, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &mm), -EBUSY);

	/* closing detaches what is left */
	dev2 = sva_dev_open(iommu, "rid=2");
	TEST_ASSERT_NOT_NULL(dev2, "second dev");
	TEST_ASSERT_SUCCESS(sva_dev_attach_pasid(dev2, 9, &mm), "pasid 9 on the second dev");
	sva_dev_close(dev);
	TEST_ASSERT_EQUAL(m->detaches, 4, "close detached rid+all");
	TEST_ASSERT_RET(sva_iommu_destroy(iommu), -EBUSY);
	sva_dev_close(dev2);
	TEST_ASSERT_EQUAL(m->detaches, 5, "close detached pasid 9");
	TEST_ASSERT_EQUAL(m->attaches, 5, "attach calls reached the driver");
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy");
	return TEST_SUCCESS;
}

static int
test_iommu_attach_unsupported(void)
{
	char args[96];
	struct sva_iommu *iommu;
	struct sva_dev *dev;

	snprintf(args, sizeof(args), "mock,name=mock_nopasid,pasid_bits=0,caps=0x%llx",
		(unsigned long long)SVA_IOMMU_CAP_PRI);
	iommu = sva_iommu_create(args);
	TEST_ASSERT_NOT_NULL(iommu, "create");
	dev = sva_dev_open(iommu, NULL);
	TEST_ASSERT_NOT_NULL(dev, "open");
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 1, &mm), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &mm), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(dev, &mm), -EOPNOTSUPP);
	struct sva_pasid_table_cfg cfg = { SVA_PASID_TABLE_VTD_SM, 0x1000, 4 };
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
	sva_dev_close(dev);
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy");
	return TEST_SUCCESS;
}

static int
test_iommu_pasid_table_rules(void)
{
	struct sva_iommu *iommu = sva_iommu_create("mock,name=mock_tbl,pasid_bits=20,align=4096");
	struct sva_dev *dev;
	struct sva_pasid_table_cfg cfg = { SVA_PASID_TABLE_VTD_SM, 0x10000, 20 };

	/* VT-d: the host owns the PASID table (scalable mode); a guest's whole table is
	 * refused however good it is (vSVA binds first levels per PASID instead) */
	TEST_ASSERT_NOT_NULL(iommu, "create");
	dev = sva_dev_open(iommu, NULL);
	TEST_ASSERT_NOT_NULL(dev, "open");
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
	cfg.format = SVA_PASID_TABLE_SMMUV3_CD;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
	sva_dev_close(dev);
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy");

	/* SMMUv3's CD table: 64-byte alignment, the model's format, its PASID bits */
	iommu = sva_iommu_create("mock,name=mock_tbl,pasid_bits=20,align=64,model=smmuv3");
	TEST_ASSERT_NOT_NULL(iommu, "create");
	dev = sva_dev_open(iommu, NULL);
	TEST_ASSERT_NOT_NULL(dev, "open");
	cfg.pasid_bits = 12;
	cfg.base = 0x10020;                                   /* 32-byte aligned only */
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EINVAL);
	cfg.base = 0x10040;
	cfg.format = SVA_PASID_TABLE_NONE;                    /* not this model's */
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EINVAL);
	cfg.format = SVA_PASID_TABLE_SMMUV3_CD;
	cfg.pasid_bits = 21;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EINVAL);
	cfg.pasid_bits = 0;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EINVAL);
	cfg.pasid_bits = 14;                                  /* 1 MiB of CDs: the largest */
	TEST_ASSERT_SUCCESS(sva_dev_pasid_table_bind(dev, &cfg), "aligned, right format");
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EBUSY);
	sva_dev_pasid_table_unbind(dev);
	sva_dev_pasid_table_unbind(dev);
	TEST_ASSERT_SUCCESS(sva_dev_pasid_table_bind(dev, &cfg), "bind again after unbind");
	sva_dev_close(dev);
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy");
	return TEST_SUCCESS;
}

static int
test_iommu_poll_dispatch(void)
{
	struct sva_iommu *iommu = sva_iommu_create("mock,name=mock_poll");
	struct mock_iommu *m;
	struct sva_fault f[4];
	struct sva_page_response r[3] = {
		{ .argsz = sizeof(r[0]), .grpid = 1 },
		{ .argsz = sizeof(r[0]), .grpid = 2 },
		{ .argsz = sizeof(r[0]), .grpid = 3, .code = SVA_PAGE_RESP_INVALID },
	};

	TEST_ASSERT_NOT_NULL(iommu, "create");
	m = sva_iommu_priv(iommu);
	TEST_ASSERT_EQUAL(sva_iommu_prq_read(iommu, f, 4), 2, "two records");
	TEST_ASSERT_EQUAL(f[1].prm.grpid, 1, "record content");
	TEST_ASSERT_EQUAL(sva_iommu_evtq_read(iommu, f, 4), 0, "no events");
	TEST_ASSERT_EQUAL(sva_iommu_page_response(iommu, r, 3), 3, "three responses");
	TEST_ASSERT_EQUAL(sva_iommu_page_response(iommu, r, 0), 0, "zero responses: no call");
	TEST_ASSERT_EQUAL(m->responses, 3, "driver saw one batch of three");
	TEST_ASSERT_EQUAL(m->last_resp.code, SVA_PAGE_RESP_INVALID, "last response");
	TEST_ASSERT_SUCCESS(sva_iommu_iotlb_inval(iommu, 3, 0x1000, 0x1000), "inval");
	TEST_ASSERT_RET(sva_iommu_iotlb_inval(NULL, 3, 0, 0), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_iommu_range_resolved(iommu, NULL, 3, 0x1000, 0x1000,
		SVA_FAULT_PERM_READ), "range_resolved with no driver op is a no-op");
	TEST_ASSERT_EQUAL(m->inval, 1, "inval reached the driver");
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy");
	return TEST_SUCCESS;
}

/* The mock's telemetry: its pasid_bits; an iommu with 3 PASID bits says -EIO. */
static int
mock_tel_dict(struct sva_iommu *iommu, struct rte_tel_data *d)
{
	const struct mock_iommu *m = sva_iommu_priv(iommu);

	if (m->pasid_bits == 3)
		return -EIO;
	rte_tel_data_add_dict_u64(d, "pasid_bits", m->pasid_bits);
	return 0;
}

/* Exact reply of cmd, through dpdk-telemetry.py: 0, or TEST_FAILED. */
static int
tel_expect(const char *cmd, const char *want)
{
	char out[4096];

	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "%s", cmd);
	TEST_ASSERT(strstr(out, want) != NULL, "%s: want %s, got %s", cmd, want, out);
	return TEST_SUCCESS;
}

/*
 * sva_iommu_telemetry_register(): the one shape of the drivers' per-iommu commands
 * (/sva/emu/counters, /sva/iommufd/stats), on the mock: the list holds only the
 * driver's iommus, a name gives its dict, and an unknown name, another driver's iommu
 * or the driver's error reply null.
 */
static int
test_iommu_telemetry(void)
{
	static bool registered;
	const struct sva_iommu_driver *drv;
	struct sva_iommu *a, *b, *e;
	char out[512];
	int ret = TEST_FAILED;

	if (access("/usr/bin/dpdk-telemetry.py", X_OK) != 0)
		TEST_SKIP("dpdk-telemetry.py is not installed (Debian package dpdk)");
	a = sva_iommu_create("mock,name=mock_tel_a,pasid_bits=8");
	b = sva_iommu_create("mock,name=mock_tel_b,pasid_bits=3");
	e = sva_iommu_create("emu,name=tel_emu,model=vtd");
	TEST_ASSERT(a != NULL && b != NULL && e != NULL, "iommus");
	drv = sva_iommu_driver_of(a);
	TEST_ASSERT_RET(sva_iommu_telemetry_register(NULL, "/sva/mock/x", "h", mock_tel_dict),
		-EINVAL);
	TEST_ASSERT_RET(sva_iommu_telemetry_register(drv, "/sva/mock/x", "h", NULL), -EINVAL);
	TEST_ASSERT_RET(sva_iommu_telemetry_register(drv, NULL, "h", mock_tel_dict), -EINVAL);
	TEST_ASSERT_RET(sva_iommu_telemetry_register(drv, "/sva/mock/a_command_name_longer_"
		"than_the_64_bytes_telemetry_allows", "h", mock_tel_dict), -EINVAL);
	if (!registered)
		TEST_ASSERT_SUCCESS(sva_iommu_telemetry_register(drv, "/sva/mock/info",
			"mock pasid bits. Parameter: a mock iommu name", mock_tel_dict), "reg");
	registered = true;
	if (sva_t_telemetry("/sva/mock/info", out, sizeof(out)) != 0 ||
			strstr(out, "{\"/sva/mock/info\": ") == NULL) {
		sva_iommu_destroy(a);
		sva_iommu_destroy(b);
		sva_iommu_destroy(e);
		TEST_SKIP("no telemetry socket in %s: %.200s", rte_eal_get_runtime_dir(), out);
	}
	if (tel_expect("/sva/mock/info", "{\"/sva/mock/info\": [\"mock_tel_a\", "
			"\"mock_tel_b\"]}") != 0 ||
			tel_expect("/sva/mock/info,mock_tel_a",
				"{\"/sva/mock/info\": {\"pasid_bits\": 8}}") != 0 ||
			tel_expect("/sva/mock/info,mock_tel_b", "{\"/sva/mock/info\": null}") != 0 ||
			tel_expect("/sva/mock/info,tel_emu", "{\"/sva/mock/info\": null}") != 0 ||
			tel_expect("/sva/mock/info,nosuch", "{\"/sva/mock/info\": null}") != 0 ||
			tel_expect("/sva/emu/counters", "{\"/sva/emu/counters\": [\"tel_emu\"]}") != 0 ||
			tel_expect("/sva/emu/counters,mock_tel_a", "{\"/sva/emu/counters\": null}") != 0 ||
			tel_expect("/help,/sva/mock/info", "mock pasid bits. Parameter: a mock "
				"iommu name") != 0)
		goto out;
	ret = TEST_SUCCESS;
out:
	sva_iommu_destroy(a);
	sva_iommu_destroy(b);
	sva_iommu_destroy(e);
	return ret;
}

static struct sva_test_suite iommu_suite = {
	.name = "iommu core",
	.cases = {
		SVA_TEST_CASE(test_iommu_devargs_refused),
		SVA_TEST_CASE(test_iommu_create_info_find),
		SVA_TEST_CASE(test_iommu_dev_ids),
		SVA_TEST_CASE(test_iommu_attach_modes),
		SVA_TEST_CASE(test_iommu_attach_unsupported),
		SVA_TEST_CASE(test_iommu_pasid_table_rules),
		SVA_TEST_CASE(test_iommu_poll_dispatch),
		SVA_TEST_CASE(test_iommu_telemetry),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iommu(void)
{
	return sva_test_suite_run(&iommu_suite);
}

SVA_TEST_REGISTER(iommu_autotest, test_iommu);
