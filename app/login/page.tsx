export default function LoginPage() {
  return <main><h1>HangarShare</h1><p>Entrar</p></main>;
}
