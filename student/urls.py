
app_name = "student"
urlpatterns: list = []
