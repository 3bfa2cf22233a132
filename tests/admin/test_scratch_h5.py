from tests.admin.conftest import World

URLS = ["/admin/reports?page=²", "/admin/reports?team=²", "/admin/reports?page=" + "1"*30,
        "/admin/reports/" + "1"*30, "/admin/bulletins/" + "1"*30, "/admin/escalations?page=" + "1"*30,
        "/admin/reports?team=" + "1"*30, "/admin/dashboard?team=" + "1"*30, "/admin/dashboard?team=²",
        "/admin/governance?date_from=0001-01-05&date_to=0001-03-01",
        "/admin/governance?date_from=9999-12-05&date_to=9999-12-31",
        "/admin/team/details/abc", "/admin/action/details/1", "/admin/action/list?page=abc",
        "/admin/action/list?pageSize=0", "/admin/action/list?page=" + "1"*30,
        "/admin/action/list?pageSize=" + "1"*30, "/admin/action/list?sortBy=x",
        "/admin/team/details/" + "1"*30, "/admin/team/edit/abc", "/admin/action/list?page=-5",
        "/admin/privacy?page=" + "9"*30, "/admin/reports?date_from=0001-01-01",
        "/admin/reports?sort=x", "/admin/team/list?search=%00", "/admin/nope/list",
        "/admin/team/export/xls", "/admin/reporter/details/abc", "/admin/admin-user/details/abc",
        ]

async def test_scratch(as_role, world: World) -> None:
    c = await as_role("admin")
    for url in URLS:
        try:
            r = await c.get(url)
        except Exception as e:
            print("EXC", url, type(e).__name__, str(e)[:150]); continue
        print(r.status_code, url, r.text[:100].replace("\n", " ") if r.status_code >= 500 else "")
