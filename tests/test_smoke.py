"""The main pages answer on both databases."""


def test_pages_answer(client, make_idea):
    idea = make_idea(stage="spec")
    for url in ["/", "/projects", "/ideas", f"/ideas/{idea.id}", f"/projects/{idea.project.slug}",
                f"/ideas/{idea.id}/spec", "/signup", "/login"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"CrowdSpirit" in response.data
