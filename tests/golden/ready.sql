SELECT taskapi_ready()
