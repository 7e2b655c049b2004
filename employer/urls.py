
app_name = "employer"
urlpatterns: list = []
